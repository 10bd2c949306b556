import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { Logger } from '../observability/logger.js';

/** A knex instance or a transaction: stores take either, so the caller decides the transaction. */
export type Db = Knex | Knex.Transaction;

export interface DbOptions {
  applicationName: string;
  poolMax?: number;
  /** The connection refuses writes: every transaction on it defaults to READ ONLY. */
  readOnly?: boolean;
  statementTimeoutMs?: number;
  /** Where knex's own warnings go (by default nowhere: its callers report what matters). */
  logger?: Logger;
}

export function createKnex(url: string, options: DbOptions): Knex {
  // Counts (bigint) and numerics come back as text by default; every count we read fits in a double.
  pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
  pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
  const settings = [`-c application_name=${options.applicationName}`];
  if (options.readOnly) settings.push('-c default_transaction_read_only=on');
  return knex({
    client: 'pg',
    connection: {
      connectionString: url,
      options: settings.join(' '),
      statement_timeout: options.statementTimeoutMs ?? 120_000,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    },
    pool: { min: 0, max: options.poolMax ?? 10, idleTimeoutMillis: 30_000 },
    acquireConnectionTimeout: 30_000,
    log: {
      warn: (message: unknown) => options.logger?.debug({ knex: String(message) }, 'knex warning'),
      error: (message: unknown) => options.logger?.debug({ knex: String(message) }, 'knex error'),
      deprecate: () => undefined,
      debug: () => undefined,
    },
  });
}
