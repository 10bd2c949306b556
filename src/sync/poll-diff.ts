import type { TableSignatures } from '../sources/source.js';
import type { PollSignatures } from '../store/poll-state-store.js';

/** What changed between the stored baseline and a fresh read of some tables. */
export interface PollDiff {
  /** Domains whose rows changed, each with when (epoch ms, FusionPBX's clock), or null when unknown. */
  changed: Map<string, number | null>;
  /** Rows of no domain changed (a global group): every domain may be concerned. */
  all: boolean;
  /** Tables read for the first time: their baseline is taken, nothing is reported for them. */
  baselined: string[];
}

/**
 * Compares a fresh read of the tables' per-domain signatures with the baseline. A domain is
 * changed when any table's signature of it differs (a domain gone from a table counts too). Its
 * change time is the latest date FusionPBX gave its rows when that date is newer than the last
 * tick; otherwise (a deletion, a raw statement) the last tick's clock, the earliest the change can
 * have been made; of several tables, the earliest.
 */
export function diffSignatures(stored: PollSignatures, read: TableSignatures, lastClock: number | null): PollDiff {
  const diff: PollDiff = { changed: new Map(), all: false, baselined: [] };
  for (const [table, current] of Object.entries(read.tables)) {
    const before = stored[table];
    if (!before) {
      diff.baselined.push(table);
      continue;
    }
    for (const domain of new Set([...Object.keys(before), ...Object.keys(current)])) {
      if (before[domain] === current[domain]?.signature) continue;
      if (domain === '*') {
        diff.all = true;
        continue;
      }
      const dated = current[domain]?.changedAt ?? null;
      const at = dated !== null && (lastClock === null || dated > lastClock) ? dated : lastClock;
      const known = diff.changed.get(domain);
      if (known === undefined || (at !== null && (known === null || at < known))) diff.changed.set(domain, at);
    }
  }
  return diff;
}

/**
 * The baseline to keep after a tick: the fresh read, except for domains whose sync failed, which
 * keep their old signature (or none), so the next tick finds them changed again.
 */
export function nextBaseline(stored: PollSignatures, read: TableSignatures, failed: ReadonlySet<string>): PollSignatures {
  const out: PollSignatures = {};
  for (const [table, current] of Object.entries(read.tables)) {
    const next: Record<string, string> = Object.fromEntries(Object.entries(current).map(([domain, s]) => [domain, s.signature]));
    for (const domain of failed) {
      const old = stored[table]?.[domain];
      if (old === undefined) delete next[domain];
      else next[domain] = old;
    }
    out[table] = next;
  }
  return out;
}
