import type { Db } from '../common/postgres.js';

/** Per FusionPBX table, per domain (`*`: rows of no domain): the signature the poll last read. */
export type PollSignatures = Record<string, Record<string, string>>;

/**
 * The change poll's baseline (`poll_state`), one row per FusionPBX table. It is kept here, not in
 * Redis, so a restarted daemon (or another replica) compares against what was last synced, and a
 * change made while no poll ran is still found. Written only when a table's signatures moved.
 */
export class PollStateStore {
  async load(db: Db, tables: string[]): Promise<PollSignatures> {
    const rows = await db('poll_state').select('fusionpbx_table', 'signatures').whereIn('fusionpbx_table', tables);
    return Object.fromEntries(rows.map((r: { fusionpbx_table: string; signatures: Record<string, string> }) => [r.fusionpbx_table, r.signatures]));
  }

  /** The tables that have a baseline. */
  async tables(db: Db): Promise<Set<string>> {
    return new Set(await db('poll_state').pluck('fusionpbx_table'));
  }

  /** Saves each table's signatures, writing only rows whose value changed. */
  async save(db: Db, signatures: PollSignatures): Promise<void> {
    const rows = Object.entries(signatures).map(([table, value]) => ({ fusionpbx_table: table, signatures: value }));
    if (rows.length === 0) return;
    await db.raw(
      `insert into poll_state (fusionpbx_table, signatures)
       select v.fusionpbx_table, v.signatures from jsonb_to_recordset(?::jsonb) as v(fusionpbx_table text, signatures jsonb)
       on conflict (fusionpbx_table) do update set signatures = excluded.signatures, updated_at = now()
       where poll_state.signatures is distinct from excluded.signatures`,
      [JSON.stringify(rows)],
    );
  }
}
