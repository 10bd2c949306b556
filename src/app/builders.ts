import type { Worker } from 'bullmq';
import type { Knex } from 'knex';
import type { Api } from '../api/api-types.js';
import { uuid7 } from '../common/uuid7.js';
import type { Config, ConfigNeeds } from '../config/config.js';
import type { DomainMapping } from '../config/mapping-file.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { registerStoreGauges } from '../observability/store-gauges.js';
import { NO_PROBE, type ActiveCallProbe } from '../probes/active-call-probe.js';
import { createProbe } from '../probes/create-probe.js';
import type { Housekeeping } from '../queue/housekeeping.js';
import type { PollTimer } from '../queue/poll-timer.js';
import type { RedisClient } from '../queue/redis.js';
import { RunControl } from '../queue/run-control.js';
import type { SyncQueue } from '../queue/sync-queue.js';
import { createRestClient, createSource } from '../sources/create-source.js';
import type { FusionpbxSource } from '../sources/source.js';
import type { Stores } from '../store/stores.js';
import { ChangePoll } from '../sync/change-poll.js';
import { RunPipeline } from '../sync/run-pipeline.js';
import { RunReads } from '../sync/run-reads.js';
import { SyncService } from '../sync/sync-service.js';
import { DirectoryReads } from '../users/directory-reads.js';
import { LoginThrottle } from '../users/login-throttle.js';
import { PasswordHasher } from '../users/password.js';
import { UserLifecycle } from '../users/user-lifecycle.js';
import { UsersService } from '../users/users-service.js';
import type { ReenableScheduler } from '../users/user-writes.js';
import { healthView, readinessCheck } from './readiness.js';
import type { Shutdown } from './shutdown.js';

/** What every part is built on: settings, logging, metrics, the store, and the staged shutdown each part registers with. */
export interface Core {
  config: Config;
  parts: ConfigNeeds;
  logger: Logger;
  metrics: Metrics;
  mapping: DomainMapping;
  db: Knex;
  stores: Stores;
  shutdown: Shutdown;
}

export interface Clients {
  source: FusionpbxSource | null;
  probe: ActiveCallProbe | null;
  /** The queue as a producer (the API and the CLI add jobs through it). */
  queue: SyncQueue | null;
  /** Opens a Redis connection closed at shutdown (null without a queue). */
  redis: ((role: 'worker' | 'producer') => RedisClient) | null;
  queueConnection: RedisClient | null;
}

export interface Services {
  sync: SyncService | null;
  pipeline: RunPipeline | null;
  /** Change polling (database source only). */
  poll: ChangePoll | null;
  control: RunControl | null;
  runReads: RunReads;
  directory: DirectoryReads;
  users: UsersService;
  lifecycle: UserLifecycle;
}

/**
 * The connections to the outside: FusionPBX (database or REST), the active-call probe, Redis and
 * the queue. Each client's modules are loaded only by a process that uses it: a CLI sync never
 * loads BullMQ, Fastify or axios (about a quarter second of every start).
 */
export async function buildClients({ config, parts, logger, metrics, shutdown }: Core): Promise<Clients> {
  const rest = await createRestClient(config.parts.rest, metrics);
  const source = config.parts.source ? await createSource(config.parts.source, metrics, { client: rest, settings: config.parts.rest }) : null;
  if (source) shutdown.last('source', () => source.close());
  const probe = config.parts.probe ? await createProbe(config.parts.probe, config.PROBE_TIMEOUT_MS, metrics, rest) : null;
  const redisSettings = config.parts.redis;
  const { createRedis } = redisSettings ? await import('../queue/redis.js') : { createRedis: null };
  const { SyncQueue } = redisSettings ? await import('../queue/sync-queue.js') : { SyncQueue: null };
  const redis = redisSettings && createRedis
    ? (role: 'worker' | 'producer') => {
        const connection = createRedis(redisSettings, role, logger);
        shutdown.last(`redis (${role})`, () => connection.quit().catch(() => connection.disconnect()));
        return connection;
      }
    : null;
  const queueConnection = redis ? redis(parts.worker ? 'worker' : 'producer') : null;
  const queue = queueConnection && SyncQueue ? new SyncQueue(queueConnection, { prefix: config.QUEUE_PREFIX, attempts: config.SYNC_ATTEMPTS, retryDelayMs: config.SYNC_RETRY_DELAY_MS }, logger) : null;
  if (queue) shutdown.early('queue', () => queue.close());
  return { source, probe, queue, redis, queueConnection };
}

/** The services entry points go through: running and controlling syncs, users, and the reads of the admin API. */
export function buildServices(core: Core, clients: Clients): Services {
  const { config, logger, metrics, db, stores } = core;
  const syncDeps = clients.source
    ? {
        db,
        source: clients.source,
        ...stores,
        mapping: core.mapping,
        metrics,
        logger,
        newId: uuid7,
        domainConcurrency: config.SYNC_DOMAIN_CONCURRENCY,
        settings: {
          maxDisable: config.SYNC_MAX_DISABLE,
          maxDisableFloor: config.SYNC_MAX_DISABLE_FLOOR,
          fullReconcileHours: config.SYNC_FULL_RECONCILE_HOURS,
          leaseMs: 60_000,
          attempts: config.SYNC_ATTEMPTS,
          retryDelayMs: config.SYNC_RETRY_DELAY_MS,
        },
      }
    : null;
  const sync = syncDeps ? new SyncService(syncDeps) : null;
  const reenable: ReenableScheduler = clients.queue ?? {
    schedule: async (userId) => logger.debug({ userId }, 'no queue in this process: the housekeeping sweep ends the timed disable'),
    cancel: async () => undefined,
  };
  const usersDeps = { db, ...stores, probe: clients.probe ?? NO_PROBE, reenable, newId: uuid7 };
  // Failed logins are counted in Redis, shared by every replica (in this process only without one).
  const throttle = new LoginThrottle(
    clients.queueConnection,
    config.QUEUE_PREFIX,
    { maxFailures: config.LOGIN_MAX_FAILURES, addressMaxFailures: config.LOGIN_ADDRESS_MAX_FAILURES, windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS },
    logger,
  );
  const pipeline = syncDeps ? new RunPipeline(syncDeps) : null;
  return {
    sync,
    pipeline,
    poll: syncDeps && sync && pipeline ? new ChangePoll({ db, source: syncDeps.source, pollState: stores.pollState, runs: stores.runs, sync, pipeline, metrics, logger }) : null,
    control: sync && clients.queue ? new RunControl(sync, clients.queue, logger) : null,
    runReads: new RunReads({ db, runs: stores.runs, changes: stores.changes }),
    directory: new DirectoryReads({ db, ...stores }),
    users: new UsersService({ ...usersDeps, hasher: new PasswordHasher(), throttle, metrics }),
    lifecycle: new UserLifecycle(usersDeps),
  };
}

/** The queue's worker and the housekeeping timers, where this process runs them. */
export async function buildWorkers(core: Core, clients: Clients, services: Services): Promise<{ worker: Worker | null; housekeeping: Housekeeping | null; pollTimer: PollTimer | null }> {
  const { config, logger, shutdown } = core;
  const { queue, redis } = clients;
  const { sync, pipeline, lifecycle } = services;
  if (!core.parts.worker || !queue || !redis || !sync || !pipeline) return { worker: null, housekeeping: null, pollTimer: null };
  const settings = { prefix: config.QUEUE_PREFIX, concurrency: config.WORKER_CONCURRENCY, lockMs: config.WORKER_LOCK_MS, stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS };
  const [{ createWorker }, { Housekeeping }] = await Promise.all([import('../../workers/worker.js'), import('../queue/housekeeping.js')]);
  const worker = createWorker(redis('worker'), settings, { pipeline, sync, lifecycle, queue, logger }, logger);
  shutdown.drain('worker', (force) => worker.close(force));
  const housekeeping = new Housekeeping({
    db: core.db,
    pipeline,
    queue,
    runs: core.stores.runs,
    users: core.stores.users,
    lifecycle,
    logger,
    schedule: { pattern: config.SYNC_SCHEDULE, tz: config.SYNC_TIMEZONE },
    cadence: config.HOUSEKEEPING_SCHEDULE,
    retentionDays: config.SYNC_RUN_RETENTION_DAYS,
  });
  shutdown.first('housekeeping', () => housekeeping.stop());
  await housekeeping.ensureSchedule({ setting: true });
  housekeeping.start();
  return { worker, housekeeping, pollTimer: await startPolling(core, clients, services) };
}

/** Change polling in this worker, when it is on and the source can be polled. */
async function startPolling(core: Core, clients: Clients, services: Services): Promise<PollTimer | null> {
  const { config, logger, shutdown } = core;
  const { poll } = services;
  if (!poll || config.SYNC_POLL_SECONDS === 0) return null;
  if (!poll.supported) {
    logger.info({ source: config.FUSIONPBX_SOURCE }, 'change polling is off: this source cannot tell what changed (the schedule still syncs everything)');
    return null;
  }
  const { PollTimer } = await import('../queue/poll-timer.js');
  const timer = new PollTimer(poll, clients.queueConnection, `${config.QUEUE_PREFIX}:poll:tick`, config.SYNC_POLL_SECONDS, logger);
  shutdown.first('change poll', () => timer.stop());
  timer.start();
  return timer;
}

/** The store's gauges, and the admin API where this process serves it (a worker still answers the probes and /metrics). */
export async function buildApi(core: Core, clients: Clients, services: Services, worker: Worker | null): Promise<Api | null> {
  const { config, parts, db, stores, metrics } = core;
  const queue = clients.queue;
  registerStoreGauges(metrics, {
    lastSuccessByDomain: () => stores.runs.lastSuccessByDomain(db),
    quarantinedRuns: () => stores.runs.countByStatus(db, 'quarantined'),
    queueCounts: queue ? () => queue.counts() : null,
  });
  if (!parts.api && !parts.worker) return null;
  const readiness = readinessCheck({ db, queue, worker });
  const { buildServer } = await import('../api/server.js');
  const server = await buildServer({
    logger: core.logger,
    metrics,
    users: services.users,
    lifecycle: services.lifecycle,
    runs: services.runReads,
    directory: services.directory,
    control: services.control,
    tokens: config.adminTokens,
    metricsToken: config.METRICS_TOKEN,
    tls: config.adminTls,
    bodyLimit: config.ADMIN_BODY_LIMIT,
    routes: parts.api ? 'all' : 'probes',
    readiness,
    health: healthView({ readiness, queue, probe: clients.probe, polling: { seconds: config.SYNC_POLL_SECONDS, source: config.FUSIONPBX_SOURCE } }),
  });
  core.shutdown.first('http', () => server.close());
  return server;
}
