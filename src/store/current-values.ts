import type { Db } from '../common/postgres.js';
import { groupBy } from '../common/collections.js';
import { fromRow, TABLES } from './tables.js';
import type { EntityName, Fields } from './types.js';

/**
 * What the store holds now for each object (by entity and key), in the model's fields: beside a
 * quarantined run's planned changes, so an admin sees the plan against today's rows. One query
 * per entity. An object that no longer exists is absent from the map.
 */
export async function currentValues(db: Db, objects: Array<{ entity: EntityName; id: string }>): Promise<Map<string, Fields>> {
  const out = new Map<string, Fields>();
  for (const [entity, items] of groupBy(objects, (o) => o.entity)) {
    const spec = TABLES[entity];
    const keyColumn = spec.columns[spec.key]![0];
    const rows = await db(spec.table).whereIn(keyColumn, [...new Set(items.map((i) => i.id))]);
    for (const row of rows as Array<Record<string, unknown>>) {
      const fields = fromRow<Fields>(entity, row);
      out.set(`${entity}:${String(fields[spec.key])}`, fields);
    }
  }
  return out;
}
