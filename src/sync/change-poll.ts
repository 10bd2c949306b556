import type { Knex } from 'knex';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { FusionpbxSource, TableWrites } from '../sources/source.js';
import type { PollStateStore } from '../store/poll-state-store.js';
import type { RunStore } from '../store/run-store.js';
import { diffSignatures, nextBaseline } from './poll-diff.js';
import type { RunPipeline } from './run-pipeline.js';
import type { SyncService } from './sync-service.js';

export interface ChangePollDeps {
  db: Knex;
  source: FusionpbxSource;
  pollState: PollStateStore;
  runs: RunStore;
  sync: SyncService;
  pipeline: RunPipeline;
  metrics: Metrics;
  logger: Logger;
}

export type TickOutcome = 'idle' | 'quiet' | 'changed' | 'busy' | 'failed';

/** One poll runs at a time across every replica: a transaction-scoped advisory lock on the store, held for the tick. */
const POLL_LOCK = `select pg_try_advisory_xact_lock(hashtextextended('fusionpbx-sync:change-poll', 0)) as locked`;

/**
 * Near-real-time sync: each tick asks FusionPBX which domains changed since the last one and
 * syncs only those, as one run (trigger `poll`) of the same pipeline as any other (planner, guard,
 * domain locks, change log), driven in this process. The cheap part comes first: PostgreSQL's
 * write counters of the tables a plan reads (one small query) say whether anything was written
 * at all; only the tables written are read for their per-domain signatures, which are compared
 * with the baseline kept in the store. A domain whose sync fails keeps its old signature, so the
 * next tick finds it again; the scheduled full run still catches whatever leaves no signature
 * (a raw statement that skips FusionPBX's dates).
 */
export class ChangePoll {
  /** The write counters of the last tick that left nothing behind; null: read every table. */
  private counters: TableWrites | null = null;
  /** FusionPBX's clock at the last tick that read signatures. */
  private lastClock: number | null = null;

  constructor(private readonly deps: ChangePollDeps) {}

  /** Whether the source can be polled (the REST app has no dates and no counters). */
  get supported(): boolean {
    return Boolean(this.deps.source.tableWrites && this.deps.source.tableSignatures);
  }

  async tick(): Promise<TickOutcome> {
    const outcome = await this.deps.db
      .transaction(async (trx) => ((await trx.raw<{ rows: Array<{ locked: boolean }> }>(POLL_LOCK)).rows[0]!.locked ? this.underLock() : 'busy'))
      .catch((error: unknown) => {
        this.deps.logger.warn({ err: error }, 'change poll failed; the next tick tries again');
        return 'failed' as const;
      });
    this.deps.metrics.pollTicks.inc({ outcome });
    return outcome;
  }

  private async underLock(): Promise<TickOutcome> {
    const { source, pollState, db } = this.deps;
    const writes = await source.tableWrites!();
    const written = Object.keys(writes).filter((t) => writes[t] !== this.counters?.[t]);
    if (written.length === 0) return 'idle';
    const [stored, read] = await Promise.all([pollState.load(db, written), source.tableSignatures!(written)]);
    const localAtRead = Date.now();
    const diff = diffSignatures(stored, read, this.lastClock);
    const changed = [...diff.changed.keys()].sort();
    let failed = new Set<string>();
    if (changed.length > 0 || diff.all) {
      this.deps.metrics.pollDomainsChanged.inc(changed.length);
      // FusionPBX's clock, moved onto this process's, for the lag.
      const offset = localAtRead - read.clock;
      const hints = Object.fromEntries([...diff.changed].flatMap(([d, at]) => (at === null ? [] : [[d, at + offset]])));
      failed = await this.sync(diff.all ? null : changed, hints);
    }
    const next = nextBaseline(stored, read, failed);
    await pollState.save(db, Object.fromEntries(Object.entries(next).filter(([t, v]) => JSON.stringify(v) !== JSON.stringify(stored[t]))));
    this.lastClock = read.clock;
    // Counters move on only when the tick left nothing to do again: otherwise the next tick reads the tables once more.
    if (failed.size === 0) this.counters = writes;
    return changed.length > 0 || diff.all ? 'changed' : 'quiet';
  }

  /** Syncs the changed domains (null: every domain) as one run; returns the domains that are still to do. */
  private async sync(domains: string[] | null, hints: Record<string, number>): Promise<Set<string>> {
    const { sync, pipeline, runs, db, logger, metrics } = this.deps;
    const every = new Set([...(domains ?? []), ...Object.keys(hints), '*']);
    const { run, created } = await sync.requestRun({ trigger: 'poll', actor: 'poll', domains: domains ?? undefined, changeHints: hints });
    if (!created) {
      logger.info({ runId: run.id }, 'a poll run is still live (another process drives it): these changes are looked at again next tick');
      return every;
    }
    logger.info({ runId: run.id, domains: domains?.length ?? 'all' }, 'change poll: syncing the domains that changed');
    const final = await pipeline.runInProcess(run.id);
    const rows = await runs.domains(db, run.id);
    if (final.status === 'failed' && rows.length === 0) return every;
    const now = Date.now();
    for (const row of rows) {
      const at = hints[row.scopeDomainUuid ?? ''];
      if (row.status === 'succeeded' && at !== undefined) metrics.syncLag.observe(Math.max(0, now - at) / 1000);
    }
    return new Set(rows.filter((r) => r.status === 'failed').map((r) => r.scopeDomainUuid!));
  }
}
