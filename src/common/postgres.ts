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
  // JIT compilation costs more than it saves on these short analytic reads (seen: 0.8 s of a 2 s digest).
  // Digests and batch reads hash-aggregate 100k rows: give them memory rather than temp files.
  const settings = [`-c application_name=${options.applicationName}`, '-c jit=off', '-c work_mem=32MB'];
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
    // An error's message carries the SQL with `$1` placeholders, never the bound values (emails,
    // names, password hashes): messages are logged, and kept by BullMQ as a failed job's reason.
    compileSqlOnError: false,
    acquireConnectionTimeout: 30_000,
    log: {
      warn: (message: unknown) => options.logger?.debug({ knex: String(message) }, 'knex warning'),
      error: (message: unknown) => options.logger?.debug({ knex: String(message) }, 'knex error'),
      deprecate: () => undefined,
      debug: () => undefined,
    },
  });
}

/**
 * Runs a query and gets its rows as one JSON array built by Postgres: for large results this is
 * several times cheaper than parsing the rows field by field in JavaScript.
 */
export async function selectJson<T = Record<string, unknown>>(db: Db, query: Knex.QueryBuilder | Knex.Raw | string, bindings: unknown[] = []): Promise<T[]> {
  const inner = typeof query === 'string' ? db.raw(query, bindings as Knex.RawBinding[]) : query;
  const result = await db.raw<{ rows: Array<{ rows: T[] }> }>(`select coalesce(json_agg(q), '[]'::json) as rows from (?) q`, [inner]);
  return result.rows[0]!.rows;
}
