import type { Db } from './db.js';
import { TABLES, columnType, toRow } from './tables.js';
import type { Change, EntityName, Fields } from './types.js';

/**
 * Set-based writes for the sync: one statement per batch, whatever its size. Rows travel as one
 * jsonb parameter unpacked by `jsonb_to_recordset`, so there is no per-row query and no limit on
 * bind parameters.
 */

/** Where the change log of an insert goes: each inserted row gets its `created` record in the same statement. */
export interface CreateLog {
  runId: string | null;
  domainUuid: string | null;
  actor: string;
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
      select ${cols.join(', ')} from v on conflict (${keyColumn}) do nothing returning ${keyColumn}`;
    const fields = Object.entries(columns).filter(([, [col]]) => cols.includes(col));
    const after = `jsonb_strip_nulls(jsonb_build_object(${fields.map(([field, [col]]) => `'${field}', v.${col}`).join(', ')}))`;
    const fusionpbx = fusionpbxKey && cols.includes(columns[fusionpbxKey]![0]) ? `v.${columns[fusionpbxKey]![0]}` : 'null';
    const sql = log
      ? `with v as (select * from jsonb_to_recordset(?::jsonb) as v(${recordType(entity, cols)})),
           ins as (${insert}),
           logged as (insert into sync_changes (run_id, fusionpbx_domain_uuid, actor, kind, entity, action, object_id, fusionpbx_uuid, after, applied)
                      select ?::uuid, ?::uuid, ?, 'change', '${entity}', 'created', v.${keyColumn}, ${fusionpbx}, ${after}, true
                      from v join ins using (${keyColumn}))
         select ${keyColumn}::text as key from ins`
      : `with v as (select * from jsonb_to_recordset(?::jsonb) as v(${recordType(entity, cols)})) ${insert.replace(`returning ${keyColumn}`, `returning ${keyColumn}::text as key`)}`;
    const bindings = log ? [JSON.stringify(group), log.runId, log.domainUuid, log.actor] : [JSON.stringify(group)];
    const result = await db.raw<{ rows: Array<{ key: string }> }>(sql, bindings);
    inserted.push(...result.rows.map((r) => r.key));
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
    const guards = cols.map((c) => `t.${c} is not distinct from v.b_${c}`);
    const sql = `update ${table} t set ${cols.map((c) => `${c} = v.${c}`).join(', ')}, updated_at = now()
      from jsonb_to_recordset(?::jsonb) as v(${recordType(entity, [keyColumn, ...cols])}, ${cols.map((c) => `b_${c} ${columnType(entity, c)}`).join(', ')})
      where t.${keyColumn} = v.${keyColumn} and ${guards.join(' and ')}
      returning t.${keyColumn}::text as key`;
    const result = await db.raw<{ rows: Array<{ key: string }> }>(sql, [JSON.stringify(group)]);
    updated.push(...result.rows.map((r) => r.key));
  }
  return updated;
}

function recordType(entity: EntityName, cols: string[]): string {
  return cols.map((c) => `${c} ${columnType(entity, c)}`).join(', ');
}

/** Rows grouped by their columns, so each statement has one shape (rows built alike list them alike). */
function bySignature(rows: Array<Record<string, unknown>>): Array<Array<Record<string, unknown>>> {
  const groups = new Map<string, Array<Record<string, unknown>>>();
  for (const row of rows) {
    const signature = Object.keys(row).join(',');
    const group = groups.get(signature);
    if (group) group.push(row);
    else groups.set(signature, [row]);
  }
  return [...groups.values()];
}
