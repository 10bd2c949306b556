import { CONFIG_VARIABLES } from './env-schema.js';
import { SECRET_VARIABLES } from './secret-files.js';

/** Prefixes of the daemon's own variables: an unknown name with one of them is probably a typo. */
const OURS = /^(FUSIONPBX|FREESWITCH|SYNC|ADMIN|LOGIN|WORKER|QUEUE|PROBE|REDIS|HOUSEKEEPING|SHUTDOWN|METRICS|DATABASE|LOG|ACTIVE)_/;
/**
 * What Kubernetes injects for a Service named fusionpbx-sync (FUSIONPBX_SYNC_PORT,
 * FUSIONPBX_SYNC_SERVICE_HOST, ...) when service links are on: not a typo of ours.
 */
const PLATFORM = /^FUSIONPBX_SYNC_/;

/**
 * Variables that look like the daemon's but are not (a misspelt SYNC_SHEDULE), each with the nearest
 * known name: warned at start, never an error, since platforms add variables of their own.
 */
export function unknownVariables(env: Record<string, string | undefined>): Array<{ name: string; nearest: string }> {
  const known = new Set([...CONFIG_VARIABLES, ...SECRET_VARIABLES.map((v) => `${v}_FILE`)]);
  return Object.keys(env)
    .filter((name) => OURS.test(name) && !PLATFORM.test(name) && !known.has(name))
    .sort()
    .map((name) => ({ name, nearest: nearest(name, [...known]) }));
}

function nearest(name: string, candidates: string[]): string {
  let best = candidates[0]!;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Levenshtein distance, one row at a time. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}
