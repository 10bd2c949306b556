/** `SYNC_MAX_DISABLE`: an absolute count of users, or a percentage of the synced users in a run's scope. */
export type MaxDisable = { kind: 'count'; value: number } | { kind: 'percent'; value: number };

export function parseMaxDisable(text: string): MaxDisable {
  const count = /^(\d+)$/.exec(text);
  if (count) return { kind: 'count', value: Number(count[1]) };
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent && Number(percent[1]) <= 100) return { kind: 'percent', value: Number(percent[1]) };
  throw new Error(`"${text}" must be a count such as 50 or a percentage such as 25%`);
}

/** How many disables a run may make before it is quarantined. */
export function disableLimit(max: MaxDisable, syncedUsersInScope: number, floor: number): number {
  if (max.kind === 'count') return max.value;
  return Math.max(floor, Math.floor((max.value / 100) * syncedUsersInScope));
}
