import type { Db } from '../common/postgres.js';
import type { FusionpbxSource } from '../sources/source.js';
import type { PollStateStore } from '../store/poll-state-store.js';

/**
 * A whole-platform run takes the change poll's baseline of any table that has none yet, before it
 * reads anything: what changes after this moment, the poll finds; what changed before, this run
 * syncs. Without it, the first poll tick after a first start would take as its baseline an edit
 * made between the first sync and that tick, and miss it until the next full run.
 */
export async function seedPollBaseline(deps: { db: Db; source: FusionpbxSource; pollState: PollStateStore }): Promise<void> {
  const { source, pollState, db } = deps;
  if (!source.tableWrites || !source.tableSignatures) return;
  const have = await pollState.tables(db);
  const missing = Object.keys(await source.tableWrites()).filter((t) => !have.has(t));
  if (missing.length === 0) return;
  const read = await source.tableSignatures(missing);
  await pollState.save(db, Object.fromEntries(Object.entries(read.tables).map(([t, v]) => [t, Object.fromEntries(Object.entries(v).map(([d, s]) => [d, s.signature]))])));
}
