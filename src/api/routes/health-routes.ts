import { z } from 'zod';
import { packageVersion } from '../../common/version.js';
import type { Api, ApiDeps } from '../api-types.js';

const checkState = z.enum(['ok', 'down', 'not-applied', 'not-running', 'absent']);
const readiness = z.object({
  status: z.enum(['ready', 'not-ready']),
  checks: z.record(z.string(), checkState),
  error: z.object({ code: z.literal('NOT_READY'), message: z.string() }).optional(),
});

const healthSchema = z.object({
  version: z.string(),
  checks: z.record(z.string(), checkState),
  workers: z.number().nullable().describe('Worker processes connected to the queue'),
  freeswitch: z.object({ method: z.string(), nodes: z.array(z.object({ node: z.string(), status: z.enum(['ok', 'down']), detail: z.string() })).nullable() }),
  queue: z.record(z.string(), z.number()).nullable(),
  schedule: z.object({ pattern: z.string().nullable(), timezone: z.string().nullable(), nextTick: z.string().nullable() }).nullable(),
  polling: z.object({ seconds: z.number(), source: z.string() }),
});

/**
 * The probes, outside the token: `/healthz` (the process answers), `/readyz` (Postgres and Redis
 * answer, migrations are applied, the worker runs where it should; each check bounded in time),
 * and `/metrics` (Prometheus text).
 */
export function healthRoutes(app: Api, deps: ApiDeps): void {
  app.get('/healthz', { schema: { tags: ['probes'], summary: 'The process is alive (and its version)', response: { 200: z.object({ status: z.literal('ok'), version: z.string() }) } } }, async () => ({
    status: 'ok' as const,
    version: packageVersion(),
  }));

  app.get('/readyz', { schema: { tags: ['probes'], summary: 'Postgres and Redis answer, migrations applied, worker running', response: { 200: readiness, 503: readiness } } }, async (_request, reply) => {
    const checks = await deps.readiness();
    const failing = Object.entries(checks).filter(([, c]) => c !== 'ok' && c !== 'absent');
    if (failing.length === 0) return reply.status(200).send({ status: 'ready', checks });
    const message = failing.map(([name, c]) => `${name}: ${c}`).join(', ');
    return reply.status(503).send({ status: 'not-ready', checks, error: { code: 'NOT_READY', message } });
  });

  if (deps.routes === 'all') {
    app.get('/v1/health', { schema: { tags: ['probes'], summary: 'Readiness, workers, FreeSWITCH nodes, queue counts and the schedule, read now', querystring: z.object({}).strict(), response: { 200: healthSchema } } }, async () => deps.health());
  }

  app.get('/metrics', { schema: { tags: ['probes'], summary: 'Prometheus metrics', hide: false } }, async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
