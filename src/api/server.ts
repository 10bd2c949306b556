import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Knex } from 'knex';
import { AppError } from '../errors/app-error.js';
import type { Actor } from '../common/vocabulary.js';
import type { AdminToken } from '../config/admin-tokens.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { SyncQueue } from '../queue/sync-queue.js';
import type { Stores } from '../app/start.js';
import type { SyncService } from '../sync/sync-service.js';
import type { UserLifecycle } from '../users/user-lifecycle.js';
import type { UsersService } from '../users/users-service.js';
import { TokenCheck } from './auth.js';
import { accessOf } from './scopes.js';
import { errorReply } from './error-handler.js';
import { parseJsonBody } from './json-body.js';
import { directoryRoutes } from './routes/directory-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { syncRoutes } from './routes/sync-routes.js';
import { userRoutes } from './routes/user-routes.js';

export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger, ZodTypeProvider>;
export type CheckState = 'ok' | 'down' | 'not-applied' | 'not-running' | 'absent';

export interface ApiDeps {
  logger: Logger;
  metrics: Metrics;
  db: Knex;
  stores: Stores;
  sync: SyncService | null;
  queue: SyncQueue | null;
  users: UsersService;
  lifecycle: UserLifecycle;
  tokens: AdminToken[];
  /** When set, /metrics needs it as a bearer token (and it opens nothing else). */
  metricsToken: string | undefined;
  /** Serve HTTPS with this certificate and key. */
  tls: { cert: Buffer; key: Buffer } | null;
  bodyLimit: number;
  /** `probes`: only /healthz, /readyz and /metrics (a worker process). */
  routes: 'all' | 'probes';
  /** Postgres, Redis, migrations, worker: each 'ok' or why not. */
  readiness(): Promise<Record<string, CheckState>>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The label of the admin token that made the request, and the address it came from. */
    actor: Actor;
  }
}

/**
 * The admin API, built apart from `listen()` so tests inject requests. Every route says who may
 * call it (src/api/scopes.ts): a token with the route's scope for /v1 and the OpenAPI document,
 * the metrics token (when set) for /metrics, nobody for /healthz and /readyz. Every input is
 * validated by zod; every error leaves through one handler in the `{"error":{"code","message"}}`
 * shape; every request line carries the client's address.
 */
export async function buildServer(deps: ApiDeps): Promise<Api> {
  const tokens = new TokenCheck(deps.tokens);
  const metricsToken = deps.metricsToken ? new TokenCheck([{ token: deps.metricsToken }]) : null;
  const app = Fastify({
    ...(deps.tls ? { https: deps.tls } : {}),
    loggerInstance: deps.logger.child({ component: 'api' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit,
    return503OnClosing: true,
    requestIdHeader: 'x-request-id',
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    routerOptions: { maxParamLength: 200 },
    // A malformed URL (bad percent-encoding) gets our error shape too.
    frameworkErrors: (error, request, reply) => void errorReply(error, request, reply),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(/^application\/([\w.-]+\+)?json$/, { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.setErrorHandler((error, request, reply) => errorReply(error, request, reply));
  app.setNotFoundHandler((request, reply) => errorReply(new AppError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`), request, reply));

  // No route without an entry in the access table: a route nobody said who may call is a bug.
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

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'fusionpbx-sync admin API', version: '1.0.0', description: 'Sync runs, users, tenants and extensions of fusionpbx-sync.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  healthRoutes(app, deps);
  if (deps.routes === 'all') {
    syncRoutes(app, deps);
    userRoutes(app, deps);
    directoryRoutes(app, deps);
    app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger());
  }
  await app.ready();
  return app;
}
