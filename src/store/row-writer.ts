import type { Db } from './db.js';
import { TABLES, columnType, toRow } from './tables.js';
import type { Change, EntityName, Fields } from './types.js';

/**
 * Set-based writes for the sync: one statement per batch, whatever its size. Rows travel as one
 * jsonb parameter unpacked by `jsonb_to_recordset`, so there is no per-row query and no limit on
 * bind parameters.
 */

/** Inserts new rows; a row whose key exists already is left alone (a retried apply). Returns the keys inserted. */
export async function insertRows(db: Db, entity: EntityName, rows: Fields[]): Promise<string[]> {
  const inserted: string[] = [];
  for (const group of bySignature(rows.map((r) => toRow(entity, r)))) {
    const { table, key } = TABLES[entity];
    const keyColumn = TABLES[entity].columns[key]![0];
    const cols = Object.keys(group[0]!);
    const sql = `insert into ${table} (${cols.join(', ')})
      select ${cols.join(', ')} from jsonb_to_recordset(?::jsonb) as v(${recordType(entity, cols)})
      on conflict (${keyColumn}) do nothing returning ${keyColumn}::text as key`;
    const result = await db.raw<{ rows: Array<{ key: string }> }>(sql, [JSON.stringify(group)]);
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

/** Rows grouped by their set of columns, so each statement has one shape. */
function bySignature(rows: Array<Record<string, unknown>>): Array<Array<Record<string, unknown>>> {
  const groups = new Map<string, Array<Record<string, unknown>>>();
  for (const row of rows) {
    const signature = Object.keys(row).sort().join(',');
    const group = groups.get(signature);
    if (group) group.push(row);
    else groups.set(signature, [row]);
  }
  return [...groups.values()];
}
