import type { Knex } from 'knex';
import { groupBy } from '../common/collections.js';
import type { Actor } from '../common/vocabulary.js';
import type { Db } from '../common/postgres.js';
import { TABLES, columnType, toRow } from './tables.js';
import type { Change, EntityName, Fields } from './types.js';

/**
 * Set-based writes for the sync: one statement per batch, whatever its size. Rows travel as one
 * array parameter per column, unpacked by `unnest`, so there is no per-row query and no limit on
 * bind parameters (and Postgres parses them about a quarter faster than the same rows as json).
 */

/**
 * Where the change log of an insert goes: each inserted row gets its `created` record in the same
 * statement, under the row's own FusionPBX domain.
 */
export interface CreateLog {
  runId: string | null;
  actor: Actor;
}

/**
 * Inserts new rows; a row whose key exists already is left alone (a retried apply). With `log`,
 * the same statement writes each inserted row's `created` change (its non-null fields, by model
 * name), so the row data crosses the wire once. Returns the keys inserted.
 */
export async function insertRows(db: Db, entity: EntityName, rows: Fields[], log: CreateLog | null = null): Promise<string[]> {
  const inserted: string[] = [];
  const { table, key, fusionpbxKey, columns } = TABLES[entity];
  const keyColumn = columns[key]![0];
  for (const group of bySignature(rows.map((r) => toRow(entity, r)))) {
    const cols = Object.keys(group[0]!);
    const insert = `insert into ${table} (${cols.join(', ')})
      select ${cols.join(', ')} from ${columnsOf(entity, cols)}
      on conflict (${keyColumn}) do nothing`;
    // The log reads the inserted rows back from RETURNING (a join with the input costs twice the insert).
    // Its record leaves out the keys the log has columns for.
    const logged = Object.entries(columns).filter(([field, [col]]) => cols.includes(col) && field !== key && field !== fusionpbxKey && field !== 'fusionpbxDomainUuid');
    const after = `jsonb_strip_nulls(jsonb_build_object(${logged.map(([field, [col]]) => `'${field}', ins.${col}`).join(', ')}))`;
    const fusionpbx = fusionpbxKey && cols.includes(columns[fusionpbxKey]![0]) ? `ins.${columns[fusionpbxKey]![0]}` : 'null';
    const domain = cols.includes('fusionpbx_domain_uuid') ? 'ins.fusionpbx_domain_uuid' : 'null';
    const sql = log
      ? `with ins as (${insert} returning ${cols.join(', ')}),
           logged as (insert into sync_changes (run_id, fusionpbx_domain_uuid, actor, client_address, kind, entity, action, object_id, fusionpbx_uuid, after, applied)
                      select ?::uuid, ${domain}, ?, ?, 'change', '${entity}', 'created', ins.${keyColumn}, ${fusionpbx}, ${after}, true from ins)
         ${keysOf('ins', keyColumn)}`
      : `with ins as (${insert} returning ${keyColumn}) ${keysOf('ins', keyColumn)}`;
    const bindings = log ? [...columnArrays(group, cols), log.runId, log.actor.name, log.actor.address] : columnArrays(group, cols);
    inserted.push(...(await writtenKeys(db, sql, bindings)));
  }
  return inserted;
}

/**
 * Applies field changes where the row still holds the `before` values, so a stored plan applied
 * later (an approved quarantine) never overwrites an edit made since. Returns the keys updated.
 */
export async function updateRows(db: Db, entity: EntityName, changes: Change[]): Promise<string[]> {
  const { table, key } = TABLES[entity];
  const keyColumn = TABLES[entity].columns[key]![0];
  const rows = changes.map((c) => {
    const after = toRow(entity, c.after);
    const before = toRow(entity, c.before ?? {});
    const row: Record<string, unknown> = { [keyColumn]: c.id, ...after };
    for (const [col, value] of Object.entries(before)) row[`b_${col}`] = value;
    return row;
  });
  const updated: string[] = [];
  for (const group of bySignature(rows)) {
    const cols = Object.keys(group[0]!).filter((c) => c !== keyColumn && !c.startsWith('b_'));
    const all = [keyColumn, ...cols, ...cols.map((c) => `b_${c}`)];
    const guards = cols.map((c) => `t.${c} is not distinct from v.b_${c}`);
    const sql = `update ${table} t set ${cols.map((c) => `${c} = v.${c}`).join(', ')}, updated_at = now()
      from ${columnsOf(entity, all)}
      where t.${keyColumn} = v.${keyColumn} and ${guards.join(' and ')}
      returning t.${keyColumn}`;
    updated.push(...(await writtenKeys(db, `with upd as (${sql}) ${keysOf('upd', keyColumn)}`, columnArrays(group, all))));
  }
  return updated;
}

/** The keys a write returned, as one json array: one result row, not one per key (100,000 rows in a full sync). */
function keysOf(cte: string, column: string): string {
  return `select coalesce(json_agg(${cte}.${column}), '[]') as keys from ${cte}`;
}

async function writtenKeys(db: Db, sql: string, bindings: Array<string | null | Array<string | boolean | null>>): Promise<string[]> {
  // Each array is one parameter (knex passes arrays through to pg, which sends them as array literals).
  const result = await db.raw<{ rows: Array<{ keys: string[] }> }>(sql, bindings as Knex.RawBinding[]);
  return result.rows[0]!.keys;
}

/** The rows as a relation `v`: one typed array parameter per column (`b_x` has the type of `x`). */
function columnsOf(entity: EntityName, cols: string[]): string {
  return `unnest(${cols.map((c) => `?::${columnType(entity, c.replace(/^b_/, ''))}[]`).join(', ')}) as v(${cols.join(', ')})`;
}

function columnArrays(rows: Array<Record<string, unknown>>, cols: string[]): Array<Array<string | boolean | null>> {
  return cols.map((c) => rows.map((r) => (r[c] ?? null) as string | boolean | null));
}

/** Rows grouped by their columns, so each statement has one shape (rows built alike list them alike). */
function bySignature(rows: Array<Record<string, unknown>>): Array<Array<Record<string, unknown>>> {
  return [...groupBy(rows, (row) => Object.keys(row).join(',')).values()];
}
