import type { FieldValue, Fields } from '../../store/types.js';

/** Desired values; `undefined` means unknown upstream: keep what the store has. */
export type Desired = Record<string, FieldValue | undefined>;

/** The fields that differ between the store and the desired state, or null when nothing does. */
export function diffFields(current: object, desired: Desired): { before: Fields; after: Fields } | null {
  const before: Fields = {};
  const after: Fields = {};
  const now = current as Record<string, FieldValue>;
  for (const field in desired) {
    const value = desired[field];
    if (value === undefined || now[field] === value) continue;
    before[field] = now[field] ?? null;
    after[field] = value;
  }
  return Object.keys(after).length === 0 ? null : { before, after };
}

/** The desired fields of a new object: unknown values become null. */
export function createFields(desired: Desired): Fields {
  const out: Fields = {};
  for (const field in desired) out[field] = desired[field] ?? null;
  return out;
}
