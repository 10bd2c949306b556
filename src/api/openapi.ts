import { packageVersion } from '../common/version.js';
import { ERROR_STATUS, type ErrorCode } from '../errors/app-error.js';
import { accessOf } from './scopes.js';

type Operation = { parameters?: Array<{ in: string }>; requestBody?: unknown; responses?: Record<string, unknown>; security?: unknown[]; description?: string };
type Document = { info: { version: string }; paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> } };

const ERROR = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object', additionalProperties: true } } } },
};

/** Per route, the codes it may answer besides the ones every /v1 route may (src/errors/app-error.ts has their statuses). */
const ROUTE_ERRORS: Record<string, ErrorCode[]> = {
  'post /v1/sync': ['NOT_FOUND', 'NOT_READY'],
  'post /v1/sync/runs/{id}/approve': ['RUN_NOT_QUARANTINED', 'NOT_READY'],
  'post /v1/sync/runs/{id}/discard': ['RUN_NOT_QUARANTINED'],
  'post /v1/users': ['EMAIL_TAKEN', 'LAST_TENANT_ADMIN'],
  'patch /v1/users/{id}': ['EMAIL_TAKEN', 'FIELD_OWNED_BY_FUSIONPBX', 'LAST_TENANT_ADMIN', 'EXTENSION_NOT_IN_TENANT'],
  'delete /v1/users/{id}': ['USER_IN_ACTIVE_CALL', 'LAST_TENANT_ADMIN', 'ACTIVE_CALLS_UNAVAILABLE'],
  'post /v1/users/{id}/disable': ['LAST_TENANT_ADMIN'],
  'put /v1/users/{id}/extensions/{extensionId}': ['FIELD_OWNED_BY_FUSIONPBX', 'EXTENSION_NOT_IN_TENANT', 'EXTENSION_ASSIGNED'],
  'delete /v1/users/{id}/extensions/{extensionId}': ['FIELD_OWNED_BY_FUSIONPBX', 'USER_IN_ACTIVE_CALL', 'ACTIVE_CALLS_UNAVAILABLE'],
  'post /v1/auth/verify': ['INVALID_CREDENTIALS', 'TOO_MANY_ATTEMPTS', 'NOT_READY'],
};

/**
 * The finishing touches @fastify/swagger cannot derive from the routes: the package's version,
 * who may call each route (the probes need nothing, /metrics its own token), and every error
 * response in the `{"error": {code, message}}` shape, with the codes each status stands for.
 */
export function finishDocument<T extends object>(document: T): T {
  const doc = document as unknown as Document;
  doc.info.version = packageVersion();
  doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, Error: ERROR }, securitySchemes: { ...doc.components?.securitySchemes, metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when it is set' } } };
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const access = accessOf(method.toUpperCase(), path.replace(/\{(\w+)\}/g, ':$1'));
      if (access === 'open') operation.security = [];
      else if (access === 'metrics') operation.security = [{}, { metricsToken: [] }];
      else if (access) operation.description = `${operation.description ? `${operation.description} ` : ''}Scope: \`${access}\`.`;
      if (path.startsWith('/v1/')) operation.responses = { ...operation.responses, ...errorResponses(codesOf(`${method} ${path}`, operation)) };
    }
  }
  return document;
}

function codesOf(route: string, operation: Operation): ErrorCode[] {
  const codes: ErrorCode[] = ['VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN', 'INTERNAL_ERROR', ...(ROUTE_ERRORS[route] ?? [])];
  if (operation.parameters?.some((p) => p.in === 'path')) codes.push('NOT_FOUND');
  if (operation.requestBody) codes.push('PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE');
  return [...new Set(codes)];
}

function errorResponses(codes: ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [String(status), { description: list.join(', '), content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
  );
}
