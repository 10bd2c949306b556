import type { Knex } from 'knex';
import { ConfigError } from '../errors/sync-errors.js';
import * as initial from './migrations/001-initial.js';
import * as changeLogWithoutRunFk from './migrations/002-change-log-without-run-fk.js';
import * as searchIndexPendingList from './migrations/003-search-index-pending-list.js';
import * as searchTextStatistics from './migrations/004-search-text-statistics.js';
import * as auditContext from './migrations/005-audit-context.js';
import * as changePolling from './migrations/006-change-polling.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Migrations are imported, not found on disk, so the built image and the tests run the same list. */
const MIGRATIONS: Record<string, Migration> = {
  '001-initial': initial,
  '002-change-log-without-run-fk': changeLogWithoutRunFk,
  '003-search-index-pending-list': searchIndexPendingList,
  '004-search-text-statistics': searchTextStatistics,
  '005-audit-context': auditContext,
  '006-change-polling': changePolling,
};

const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name]!,
};

/** Any number of replicas may start at once: migrations run one at a time under this Postgres advisory lock. */
const MIGRATION_LOCK = 0x66707331; // "fps1"

/** The oldest PostgreSQL the users store runs on (`hash_record_extended` in the store digest). */
const MIN_SERVER_VERSION = 140000;

/** Refuses a store server older than PostgreSQL 14, by its `server_version_num`. */
export function requireStoreVersion(serverVersionNum: number): void {
  if (serverVersionNum < MIN_SERVER_VERSION) {
    throw new ConfigError([`DATABASE_URL: the users store needs PostgreSQL 14 or later (this server is ${Math.floor(serverVersionNum / 10000)})`]);
  }
}

/**
 * Applies the pending migrations, one process at a time. With none pending it writes nothing:
 * knex's own lock is a row update of `fps_migrations_lock`, so it is taken only when there is
 * something to apply (every start of every process, a CLI sync included, would write otherwise).
 */
export async function migrate(db: Knex): Promise<string[]> {
  const version = await db.raw<{ rows: Array<{ server_version_num: string }> }>('show server_version_num');
  requireStoreVersion(Number(version.rows[0]!.server_version_num));
  if (await migrationsApplied(db)) return [];
  const client = db.client as { acquireConnection(): Promise<unknown>; releaseConnection(c: unknown): Promise<void> };
  const connection = await client.acquireConnection();
  const onConnection = (sql: string) => db.raw(sql).connection(connection);
  try {
    await onConnection(`select pg_advisory_lock(${MIGRATION_LOCK})`);
    // Another process may have applied them while this one waited for the lock.
    if (await migrationsApplied(db)) return [];
    const [, applied] = (await db.migrate.latest({ migrationSource, tableName: 'fps_migrations' })) as [number, string[]];
    return applied;
  } finally {
    await onConnection(`select pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => undefined);
    await client.releaseConnection(connection);
  }
}

/** Whether every migration this build knows has been applied (for /readyz). */
export async function migrationsApplied(db: Knex): Promise<boolean> {
  const [, pending] = (await db.migrate.list({ migrationSource, tableName: 'fps_migrations' })) as [unknown[], unknown[]];
  return pending.length === 0;
}
