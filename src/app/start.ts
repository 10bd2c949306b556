import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Knex } from 'knex';
import type { DestinationStream } from 'pino';
import { createWorker } from '../../workers/worker.js';
import { uuid7 } from '../common/uuid7.js';
import { describeConfig, loadConfig, type Config, type ConfigNeeds } from '../config/config.js';
import { loadMapping } from '../config/mapping-file.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { NO_PROBE, type ActiveCallProbe } from '../probes/active-call-probe.js';
import { createProbe } from '../probes/create-probe.js';
import { Housekeeping } from '../queue/housekeeping.js';
import { createRedis } from '../queue/redis.js';
import { SyncQueue } from '../queue/sync-queue.js';
import { createRestClient, createSource } from '../sources/create-source.js';
import type { FusionpbxSource } from '../sources/source.js';
import { ActivationLogStore } from '../store/activation-log-store.js';
import { ChangeStore } from '../store/change-store.js';
import { createKnex } from '../store/db.js';
import { ExclusionStore } from '../store/exclusion-store.js';
import { ExtensionStore } from '../store/extension-store.js';
import { migrate } from '../store/migrate.js';
import { RunStore } from '../store/run-store.js';
import { ScopeStore } from '../store/scope-store.js';
import { TenantStore } from '../store/tenant-store.js';
import { UserStore } from '../store/user-store.js';
import { SyncService } from '../sync/sync-service.js';
import { UserLifecycle } from '../users/user-lifecycle.js';
import type { ReenableScheduler } from '../users/user-writes.js';
import { LoginThrottle } from '../users/login-throttle.js';
import { PasswordHasher } from '../users/password.js';
import { UsersService } from '../users/users-service.js';
import { Shutdown } from './shutdown.js';
import { buildServer, type Api } from '../api/server.js';
import { readinessCheck } from './readiness.js';
import { registerStoreGauges } from '../observability/store-gauges.js';

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** The parts this process runs; each brings the configuration it needs. */
  parts: ConfigNeeds;
  logDestination?: DestinationStream;
  /** Prometheus process metrics (off in tests that build many apps). */
  processMetrics?: boolean;
}

export interface Stores {
  runs: RunStore;
  changes: ChangeStore;
  activationLog: ActivationLogStore;
  scope: ScopeStore;
  users: UserStore;
  extensions: ExtensionStore;
  tenants: TenantStore;
  exclusions: ExclusionStore;
}

export interface App {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  db: Knex;
  stores: Stores;
  source: FusionpbxSource | null;
  sync: SyncService | null;
  probe: ActiveCallProbe | null;
  users: UsersService;
  lifecycle: UserLifecycle;
  /** The queue as a producer (the API and the CLI add jobs through it). */
  queue: SyncQueue | null;
  worker: Worker | null;
  housekeeping: Housekeeping | null;
  /** The admin API, built but not listening (the daemon listens; tests inject). */
  server: Api | null;
  /** Staged shutdown: stop taking work, drain, close every connection; bounded by SHUTDOWN_TIMEOUT_MS. */
  stop(): Promise<void>;
}

/**
 * The composition root: validates configuration, migrates the store under an advisory lock, then
 * builds stores -> clients -> services -> queue and workers, and returns a handle with stop().
 * Nothing is built at import time.
 */
export async function start(options: StartOptions): Promise<App> {
  const parts = options.parts;
  const config = loadConfig(options.env ?? process.env, parts);
  const logger = createLogger(config.LOG_LEVEL, options.logDestination);
  const mapping = loadMapping(config.SYNC_MAPPING_FILE);
  const metrics = new Metrics({ processMetrics: options.processMetrics });
  logger.debug({ config: describeConfig(config) }, 'configuration');

  const shutdown = new Shutdown(logger, config.SHUTDOWN_TIMEOUT_MS);
  const db = createKnex(config.DATABASE_URL, { applicationName: 'fusionpbx-sync' });
  shutdown.last('store', () => db.destroy());
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'store migrated');

    const stores: Stores = {
      runs: new RunStore(),
      changes: new ChangeStore(),
      activationLog: new ActivationLogStore(),
      scope: new ScopeStore(),
      users: new UserStore(),
      extensions: new ExtensionStore(),
      tenants: new TenantStore(),
      exclusions: new ExclusionStore(),
    };
    const rest = createRestClient(config, metrics);
    const source = parts.source || parts.worker ? createSource(config, metrics, rest) : null;
    if (source) shutdown.last('source', () => source.close());
    const probe = parts.probe ? createProbe(config, metrics, rest) : null;

    const redis = (role: 'worker' | 'producer'): Redis => {
      const connection = createRedis(config.REDIS_URL!, role, logger);
      shutdown.last(`redis (${role})`, () => connection.quit().catch(() => connection.disconnect()));
      return connection;
    };
    const queueSettings = { prefix: config.QUEUE_PREFIX, attempts: config.SYNC_ATTEMPTS, retryDelayMs: config.SYNC_RETRY_DELAY_MS };
    const queueConnection = parts.queue || parts.worker ? redis(parts.worker ? 'worker' : 'producer') : null;
    const queue = queueConnection ? new SyncQueue(queueConnection, queueSettings, logger) : null;
    if (queue) shutdown.early('queue', () => queue.close());

    const sync = source
      ? new SyncService({
          db,
          source,
          ...stores,
          mapping,
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
            batchSize: 50,
          },
        })
      : null;
    const reenable: ReenableScheduler = queue ?? {
      schedule: async (userId) => logger.debug({ userId }, 'no queue in this process: the housekeeping sweep ends the timed disable'),
      cancel: async () => undefined,
    };
    const usersDeps = { db, ...stores, probe: probe ?? NO_PROBE, reenable, newId: uuid7 };
    // Failed logins are counted in Redis, shared by every replica (in this process only without one).
    const throttle = new LoginThrottle(
      queueConnection,
      config.QUEUE_PREFIX,
      { maxFailures: config.LOGIN_MAX_FAILURES, addressMaxFailures: config.LOGIN_ADDRESS_MAX_FAILURES, windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS },
      logger,
    );
    const users = new UsersService({ ...usersDeps, hasher: new PasswordHasher(), throttle, metrics });
    const lifecycle = new UserLifecycle(usersDeps);

    let worker: Worker | null = null;
    let housekeeping: Housekeeping | null = null;
    if (parts.worker && queue && sync) {
      worker = createWorker(redis('worker'), {
        prefix: config.QUEUE_PREFIX,
        concurrency: config.WORKER_CONCURRENCY,
        lockMs: config.WORKER_LOCK_MS,
        stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
      }, { db, sync, lifecycle, queue, runs: stores.runs, logger }, logger);
      const w = worker;
      shutdown.drain('worker', (force) => w.close(force));
      housekeeping = new Housekeeping({
        db,
        sync,
        queue,
        runs: stores.runs,
        users: stores.users,
        lifecycle,
        logger,
        schedule: { pattern: config.SYNC_SCHEDULE, tz: config.SYNC_TIMEZONE },
        cadence: config.HOUSEKEEPING_SCHEDULE,
        retentionDays: config.SYNC_RUN_RETENTION_DAYS,
      });
      const h = housekeeping;
      shutdown.first('housekeeping', () => h.stop());
      await housekeeping.ensureSchedule({ setting: true });
      housekeeping.start();
    }

    registerStoreGauges(metrics, {
      lastSuccessByDomain: () => stores.runs.lastSuccessByDomain(db),
      quarantinedRuns: () => stores.runs.countByStatus(db, 'quarantined'),
      queueCounts: queue ? () => queue.counts() : null,
    });

    // The admin API where this process serves it; a worker still answers the probes and /metrics.
    let server: Api | null = null;
    if (parts.api || parts.worker) {
      server = await buildServer({
        logger,
        metrics,
        db,
        stores,
        sync,
        queue,
        users,
        lifecycle,
        tokens: config.adminTokens,
        metricsToken: config.METRICS_TOKEN,
        tls: config.adminTls,
        bodyLimit: config.ADMIN_BODY_LIMIT,
        routes: parts.api ? 'all' : 'probes',
        readiness: readinessCheck({ db, queue, worker }),
      });
      const s = server;
      shutdown.first('http', () => s.close());
    }

    return {
      config,
      logger,
      metrics,
      db,
      stores,
      source,
      sync,
      probe,
      users,
      lifecycle,
      queue,
      worker,
      housekeeping,
      server,
      stop: () => shutdown.run(),
    };
  } catch (error) {
    await shutdown.run();
    throw error;
  }
}
