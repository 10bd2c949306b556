import type { Actor } from '../common/vocabulary.js';
import { AppError } from '../errors/app-error.js';
import type { Api, ApiDeps } from './api-types.js';
import { TokenCheck } from './auth.js';
import { accessOf } from './scopes.js';

/**
 * Who may call what (src/api/scopes.ts), as hooks: a route missing from the access table stops
 * the server being built; each request is let through, answered 401 (no valid token) or 403 (a
 * token without the route's scope) before anything else runs; and each request's log line and
 * metrics are written when it ends, with the token's label and the client's address.
 */
export function addAccessHooks(app: Api, deps: ApiDeps): void {
  const tokens = new TokenCheck(deps.tokens);
  const metricsToken = deps.metricsToken ? new TokenCheck([{ token: deps.metricsToken }]) : null;
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (accessOf(method, route.url) === undefined && route.url !== '*') throw new Error(`${method} ${route.url} has no entry in src/api/scopes.ts`);
    }
  });
  app.decorateRequest('actor', null as unknown as Actor);
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.url === undefined ? undefined : accessOf(request.method, request.routeOptions.url);
    if (access === 'open') return;
    if (access === 'metrics') {
      if (metricsToken && !metricsToken.match(request.headers.authorization)) throw new AppError('UNAUTHORIZED', 'a valid bearer token is required (Authorization: Bearer <METRICS_TOKEN>)');
      return;
    }
    // A route that needs a scope, or no route at all (answered 404 once the token is known good).
    const token = tokens.match(request.headers.authorization);
    if (!token) throw new AppError('UNAUTHORIZED', 'a valid bearer token is required (Authorization: Bearer <ADMIN_TOKEN>)');
    request.actor = { name: token.label, address: request.ip };
    if (access !== undefined && !token.scopes.includes(access)) {
      throw new AppError('FORBIDDEN', `the token ${token.label} lacks the scope ${access} that ${request.method} ${request.routeOptions.url} needs (it has ${token.scopes.join(', ')})`);
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    deps.metrics.httpLatency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    if (accessOf(request.method, route) !== 'open' && route !== '/metrics') {
      request.log.info({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime), actor: request.actor?.name, client: request.ip }, 'request');
    }
  });
}
