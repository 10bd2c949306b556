import type { FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Actor } from '../common/vocabulary.js';
import type { AdminToken } from '../config/admin-tokens.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { NodeState } from '../probes/active-call-probe.js';
import type { RunControl } from '../queue/run-control.js';
import type { RunReads } from '../sync/run-reads.js';
import type { DirectoryReads } from '../users/directory-reads.js';
import type { UserLifecycle } from '../users/user-lifecycle.js';
import type { UsersService } from '../users/users-service.js';

export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger, ZodTypeProvider>;
export type CheckState = 'ok' | 'down' | 'not-applied' | 'not-running' | 'absent';

export interface HealthView {
  version: string;
  /** This process's readiness checks, as /readyz has them. */
  checks: Record<string, CheckState>;
  /** Worker processes connected to the queue (any replica); null without a queue. */
  workers: number | null;
  freeswitch: { method: string; nodes: NodeState[] | null };
  queue: Record<string, number> | null;
  schedule: { pattern: string | null; timezone: string | null; nextTick: string | null } | null;
  polling: { seconds: number; source: string };
}


/** What the admin API is built from: services only (no database, no store), and its own settings. */
export interface ApiDeps {
  logger: Logger;
  metrics: Metrics;
  users: UsersService;
  lifecycle: UserLifecycle;
  runs: RunReads;
  directory: DirectoryReads;
  /** Starting, approving and discarding runs; null in a process without a source or a queue. */
  control: RunControl | null;
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
  /** The health page's view: readiness, workers, FreeSWITCH nodes, queue counts, schedule. */
  health(): Promise<HealthView>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The label of the admin token that made the request, and the address it came from. */
    actor: Actor;
  }
}
