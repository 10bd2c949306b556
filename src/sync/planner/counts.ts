import type { CountGroup, CountKey, Counts, Entity } from '../../common/vocabulary.js';

export type { CountGroup, CountKey, Counts };

const GROUP: Record<Entity, CountGroup> = { tenant: 'tenants', domain: 'domains', user: 'users', extension: 'extensions' };

export function bump(counts: Counts, entity: Entity, key: CountKey, by = 1): void {
  const group = (counts[GROUP[entity]] ??= {});
  group[key] = (group[key] ?? 0) + by;
}

export function addCounts(into: Counts, from: Counts): Counts {
  for (const [group, keys] of Object.entries(from) as Array<[CountGroup, Partial<Record<CountKey, number>>]>) {
    const target = (into[group] ??= {});
    for (const [key, n] of Object.entries(keys) as Array<[CountKey, number]>) target[key] = (target[key] ?? 0) + n;
  }
  return into;
}

export function countOf(counts: Counts, group: CountGroup, key: CountKey): number {
  return counts[group]?.[key] ?? 0;
}
