import type { Knex } from 'knex';
import type { DestinationStream } from 'pino';
import { uuid7 } from '../common/uuid7.js';
import { describeConfig, loadConfig, type Config, type ConfigNeeds } from '../config/config.js';
import { loadMapping } from '../config/mapping-file.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { createSource } from '../sources/create-source.js';
import type { FusionpbxSource } from '../sources/source.js';
import { ActivationLogStore } from '../store/activation-log-store.js';
import { ChangeStore } from '../store/change-store.js';
import { createKnex } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { RunStore } from '../store/run-store.js';
import { ScopeStore } from '../store/scope-store.js';
import { SyncService } from '../sync/sync-service.js';

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** The parts this process runs; each brings the configuration it needs. */
  parts: ConfigNeeds;
  logDestination?: DestinationStream;
  /** Prometheus process metrics (off in tests that build many apps). */
  processMetrics?: boolean;
}

export interface App {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  db: Knex;
  stores: { runs: RunStore; changes: ChangeStore; activationLog: ActivationLogStore; scope: ScopeStore };
  source: FusionpbxSource | null;
  sync: SyncService | null;
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

    const stores = { runs: new RunStore(), changes: new ChangeStore(), activationLog: new ActivationLogStore(), scope: new ScopeStore() };
    const source = options.parts.source ? createSource(config, metrics) : null;
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

    return { config, logger, metrics, db, stores, source, sync, stop: () => closeAll(closers, logger) };
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
