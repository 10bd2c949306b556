import type { Knex } from 'knex';
import type { TableSignatures, TableWrites } from '../source.js';

/**
 * The tables a plan reads, each with its own domain_uuid column (v_groups' global groups have none:
 * they are keyed `*`, and a change there concerns every domain).
 */
export const POLLED_TABLES = ['v_domains', 'v_users', 'v_contacts', 'v_contact_emails', 'v_groups', 'v_user_groups', 'v_extensions', 'v_extension_users'] as const;

/**
 * PostgreSQL's own write counters of the polled tables (pg_stat_user_tables: inserts, updates and
 * deletes since the statistics were last reset), a read of eight rows that any role may make. A
 * counter that moved says the table was written; it says nothing of which rows. A transaction's
 * counts reach these views when its backend next reports them: at once when a PHP request's
 * connection closes (FusionPBX opens one per request, resources/classes/database.php `connect()`:
 * `new PDO("pgsql:...")`, not persistent), within PGSTAT_IDLE_INTERVAL (10 s) for a connection
 * that stays open. A standby's counters never see the primary's writes, and with `track_counts`
 * off they never move: there the counter of every table is the replay position or the clock, so
 * every tick reads every table.
 */
export async function readTableWrites(db: Knex): Promise<TableWrites> {
  const result = await db.raw<{ rows: Array<{ table: string; counter: string }> }>(
    `select t.name as table,
            case when pg_is_in_recovery() then coalesce(pg_last_wal_replay_lsn()::text, now()::text)
                 when current_setting('track_counts') <> 'on' then clock_timestamp()::text
                 else concat_ws(':', s.n_tup_ins, s.n_tup_upd, s.n_tup_del, (select stats_reset from pg_stat_database where datname = current_database())) end as counter
     from unnest(?::text[]) as t(name)
     left join pg_stat_user_tables s on s.relname = t.name and s.schemaname = current_schema()`,
    [[...POLLED_TABLES]],
  );
  return Object.fromEntries(result.rows.map((r) => [r.table, r.counter ?? '']));
}

/**
 * One signature per table and domain: its row count and its latest insert_date/update_date, which
 * FusionPBX fills whenever it saves a row through its classes (5.1 and later, reference §1.10). An
 * insert or a delete moves the count, a save moves the date. A raw statement that skips the dates
 * (a domain rename's replace() of user_context) moves neither: the scheduled full run catches it.
 * Before 5.1 the tables have no dates, and only inserts and deletes are seen. About 10-17 ms per
 * table of 100,000 rows (a scan and a hash aggregate; FusionPBX has no index on the dates).
 */
export async function readTableSignatures(trx: Knex.Transaction, tables: string[]): Promise<TableSignatures> {
  const dated = await datedTables(trx);
  const clock = (await trx.raw<{ rows: Array<{ ms: number }> }>('select extract(epoch from now()) * 1000 as ms')).rows[0]!.ms;
  const out: TableSignatures = { clock: Number(clock), tables: {} };
  for (const table of tables.filter((t) => (POLLED_TABLES as readonly string[]).includes(t))) {
    // Microseconds since the epoch: exact, so a later save always moves it.
    const latest = dated.has(table) ? '(extract(epoch from max(greatest(insert_date, update_date))) * 1000000)::bigint' : 'null::bigint';
    const result = await trx.raw<{ rows: Array<{ domain: string; n: string; at: string | null }> }>(
      `select coalesce(domain_uuid::text, '*') as domain, count(*)::text as n, ${latest}::text as at from ${table} group by domain_uuid`,
    );
    out.tables[table] = Object.fromEntries(
      result.rows.map((r) => [r.domain.toLowerCase(), { signature: `${r.n}|${r.at ?? ''}`, changedAt: r.at === null ? null : Number(r.at) / 1000 }]),
    );
  }
  return out;
}

/** The polled tables that have both insert_date and update_date (all of them since FusionPBX 5.1). */
async function datedTables(trx: Knex.Transaction): Promise<Set<string>> {
  const result = await trx.raw<{ rows: Array<{ table_name: string }> }>(
    `select table_name from information_schema.columns
     where table_schema = current_schema() and table_name = any(?::text[]) and column_name in ('insert_date', 'update_date')
     group by table_name having count(*) = 2`,
    [[...POLLED_TABLES]],
  );
  return new Set(result.rows.map((r) => r.table_name));
}
