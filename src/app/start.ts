import type { Knex } from 'knex';
import type { DestinationStream } from 'pino';
import { uuid7 } from '../common/uuid7.js';
import { describeConfig, loadConfig, type Config, type ConfigNeeds } from '../config/config.js';
import { loadMapping } from '../config/mapping-file.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { createRestClient, createSource } from '../sources/create-source.js';
import type { FusionpbxSource } from '../sources/source.js';
import { ActivationLogStore } from '../store/activation-log-store.js';
import { ChangeStore } from '../store/change-store.js';
import { createKnex } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { RunStore } from '../store/run-store.js';
import { ScopeStore } from '../store/scope-store.js';
import { SyncService } from '../sync/sync-service.js';
import { createProbe } from '../probes/create-probe.js';
import type { ActiveCallProbe } from '../probes/active-call-probe.js';
import { ExclusionStore } from '../store/exclusion-store.js';
import { ExtensionStore } from '../store/extension-store.js';
import { TenantStore } from '../store/tenant-store.js';
import { UserStore } from '../store/user-store.js';
import { UserLifecycle } from '../users/user-lifecycle.js';
import { UsersService } from '../users/users-service.js';
import type { ReenableScheduler } from '../users/user-writes.js';

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
  users: UsersService | null;
  lifecycle: UserLifecycle | null;
  stop(): Promise<void>;
}

/**
 * The composition root: validates configuration, migrates the store under an advisory lock, then
 * builds stores -> clients -> services. Nothing is built at import time.
 */
export async function start(options: StartOptions): Promise<App> {
  const config = loadConfig(options.env ?? process.env, options.parts);
  const logger = createLogger(config.LOG_LEVEL, options.logDestination);
  const mapping = loadMapping(config.SYNC_MAPPING_FILE);
  const metrics = new Metrics({ processMetrics: options.processMetrics });
  logger.debug({ config: describeConfig(config) }, 'configuration');

  const db = createKnex(config.DATABASE_URL, { applicationName: 'fusionpbx-sync' });
  const closers: Array<[string, () => Promise<unknown>]> = [['store', () => db.destroy()]];
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
    const source = options.parts.source ? createSource(config, metrics, rest) : null;
    if (source) closers.unshift(['source', () => source.close()]);
    const sync = source
      ? new SyncService({
          db,
          source,
          ...stores,
          mapping,
          metrics,
          logger,
          newId: uuid7,
          settings: {
            maxDisable: config.SYNC_MAX_DISABLE,
            maxDisableFloor: config.SYNC_MAX_DISABLE_FLOOR,
            leaseMs: 60_000,
            attempts: config.SYNC_ATTEMPTS,
            retryDelayMs: config.SYNC_RETRY_DELAY_MS,
            batchSize: 50,
          },
        })
      : null;

    const probe = options.parts.probe ? createProbe(config, metrics, rest) : null;
    const reenable: ReenableScheduler = {
      // The queue's delayed jobs are not built yet; the sweep of due users is the only re-enable.
      schedule: async (userId, until) => logger.warn({ userId, until }, 'timed re-enable needs the job queue, which is not built yet'),
      cancel: async () => undefined,
    };
    const usersDeps = probe ? { db, ...stores, probe, reenable, newId: uuid7 } : null;
    const users = usersDeps ? new UsersService(usersDeps) : null;
    const lifecycle = usersDeps ? new UserLifecycle(usersDeps) : null;

    return { config, logger, metrics, db, stores, source, sync, probe, users, lifecycle, stop: () => closeAll(closers, logger) };
  } catch (error) {
    await closeAll(closers, logger);
    throw error;
  }
}

/** Closes each part in order; one failing does not stop the others. */
async function closeAll(closers: Array<[string, () => Promise<unknown>]>, logger: Logger): Promise<void> {
  for (const [name, close] of closers) {
    try {
      await close();
    } catch (error) {
      logger.warn({ err: error, part: name }, 'closing failed');
    }
  }
  logger.flush();
}
