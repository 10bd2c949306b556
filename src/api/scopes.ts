import type { Scope } from '../config/admin-tokens.js';

/** What a route asks of the caller: an admin token with a scope, the metrics token, or nothing. */
export type Access = Scope | 'metrics' | 'open';

/**
 * The access every route needs, in one table: a route missing from it is refused when the server
 * is built, so no route can be added without saying who may call it. `read` is every GET of
 * /v1 and the OpenAPI document (HEAD goes with GET); every write names its scope.
 */
export const ROUTE_ACCESS: Record<string, Access> = {
  'GET /healthz': 'open',
  'GET /readyz': 'open',
  'GET /metrics': 'metrics',
  'GET /docs/json': 'read',
  // The page and its files are open: a browser cannot send a token for them; the page asks for one.
  'GET /docs': 'open',
  'GET /docs/assets/:file': 'open',
  // The console's page and files are open for the same reason; what it shows needs the scopes.
  'GET /console': 'open',
  'GET /console/assets/:file': 'open',
  'GET /v1/health': 'read',
  'GET /v1/sync/runs': 'read',
  'GET /v1/sync/runs/:id': 'read',
  'GET /v1/tenants': 'read',
  'GET /v1/extensions': 'read',
  'GET /v1/exclusions': 'read',
  'GET /v1/users': 'read',
  'GET /v1/users/:id': 'read',
  'GET /v1/users/:id/activation-log': 'read',
  'GET /v1/users/:id/changes': 'read',
  'POST /v1/sync': 'sync',
  'POST /v1/sync/runs/:id/approve': 'approve',
  'POST /v1/sync/runs/:id/discard': 'approve',
  'POST /v1/auth/verify': 'verify',
  'POST /v1/users': 'users',
  'PATCH /v1/users/:id': 'users',
  'DELETE /v1/users/:id': 'users',
  'POST /v1/users/:id/disable': 'users',
  'POST /v1/users/:id/enable': 'users',
  'PUT /v1/users/:id/extensions/:extensionId': 'users',
  'DELETE /v1/users/:id/extensions/:extensionId': 'users',
  'DELETE /v1/exclusions/:fusionpbxUserUuid': 'users',
};

/** The access a route needs; undefined for a route the table does not know. */
export function accessOf(method: string, url: string): Access | undefined {
  return ROUTE_ACCESS[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}
