import type { Worker } from 'bullmq';
import type { Knex } from 'knex';
import type { DestinationStream } from 'pino';
import type { Api } from '../api/api-types.js';
import { createKnex } from '../common/postgres.js';
import { describeConfig, loadConfig, type Config, type ConfigNeeds } from '../config/config.js';
import { loadMapping } from '../config/mapping-file.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import type { ActiveCallProbe } from '../probes/active-call-probe.js';
import type { Housekeeping } from '../queue/housekeeping.js';
import type { PollTimer } from '../queue/poll-timer.js';
import type { RunControl } from '../queue/run-control.js';
import type { SyncQueue } from '../queue/sync-queue.js';
import type { FusionpbxSource } from '../sources/source.js';
import { migrate } from '../store/migrate.js';
import { createStores, type Stores } from '../store/stores.js';
import type { ChangePoll } from '../sync/change-poll.js';
import type { RunPipeline } from '../sync/run-pipeline.js';
import type { RunReads } from '../sync/run-reads.js';
import type { SyncService } from '../sync/sync-service.js';
import type { DirectoryReads } from '../users/directory-reads.js';
import type { UserLifecycle } from '../users/user-lifecycle.js';
import type { UsersService } from '../users/users-service.js';
import { buildApi, buildClients, buildServices, buildWorkers, type Core } from './builders.js';
import { Shutdown } from './shutdown.js';

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
  stores: Stores;
  source: FusionpbxSource | null;
  /** Requests runs, approves and discards them (where this process has a source). */
  sync: SyncService | null;
  /** Runs them: the steps both drivers share, and the in-process driver. */
  pipeline: RunPipeline | null;
  /** Change polling: one tick finds the domains changed in FusionPBX and syncs them. */
  poll: ChangePoll | null;
  /** Starts, approves and discards runs through the queue. */
  control: RunControl | null;
  runReads: RunReads;
  directory: DirectoryReads;
  probe: ActiveCallProbe | null;
  users: UsersService;
  lifecycle: UserLifecycle;
  /** The queue as a producer (the API and the CLI add jobs through it). */
  queue: SyncQueue | null;
  worker: Worker | null;
  housekeeping: Housekeeping | null;
  /** Drives the change poll in a worker process (null where polling is off). */
  pollTimer: PollTimer | null;
  /** The admin API, built but not listening (the daemon listens; tests inject). */
  server: Api | null;
  /** Staged shutdown: stop taking work, drain, close every connection; bounded by SHUTDOWN_TIMEOUT_MS. */
  stop(): Promise<void>;
}

/**
 * The composition root: validates configuration, migrates the store under an advisory lock, then
 * builds clients -> services -> workers -> the API (src/app/builders.ts), and returns a handle
 * with stop(). Nothing is built at import time.
 */
export async function start(options: StartOptions): Promise<App> {
  const config = loadConfig(options.env ?? process.env, options.parts);
  const logger = createLogger(config.LOG_LEVEL, options.logDestination);
  const mapping = loadMapping(config.SYNC_MAPPING_FILE);
  logger.debug({ config: describeConfig(config) }, 'configuration');
  for (const unknown of config.unknownVariables) logger.warn(unknown, `unknown variable ${unknown.name} is ignored (did you mean ${unknown.nearest}?)`);
  const shutdown = new Shutdown(logger, config.SHUTDOWN_TIMEOUT_MS);
  const db = createKnex(config.DATABASE_URL, { applicationName: 'fusionpbx-sync' });
  shutdown.last('store', () => db.destroy());
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'store migrated');
    const metrics = new Metrics({ processMetrics: options.processMetrics });
    const core: Core = { config, parts: options.parts, logger, metrics, mapping, db, stores: createStores(), shutdown };
    const clients = await buildClients(core);
    const services = buildServices(core, clients);
    const { worker, housekeeping, pollTimer } = await buildWorkers(core, clients, services);
    const server = await buildApi(core, clients, services, worker);
    return { config, logger, metrics, db, stores: core.stores, source: clients.source, probe: clients.probe, queue: clients.queue, ...services, worker, housekeeping, pollTimer, server, stop: () => shutdown.run() };
  } catch (error) {
    await shutdown.run();
    throw error;
  }
}
