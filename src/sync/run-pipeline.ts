import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { chunks } from '../common/collections.js';
import { fusionpbxId } from '../common/fusionpbx-id.js';
import { withRetries } from '../common/retry.js';
import { mapLimit } from '../common/semaphore.js';
import type { Counts } from '../common/vocabulary.js';
import { AppError } from '../errors/app-error.js';
import { RetryableDomains, describeError, isTransient } from '../errors/sync-errors.js';
import type { Logger } from '../observability/logger.js';
import type { Run, RunContext, RunStatus } from '../store/run-store.js';
import { domainOf, syncBatch } from './domain-sync.js';
import { addCounts } from './planner/counts.js';
import { seedPollBaseline } from './poll-baseline.js';
import { prepareRun } from './prepare-run.js';
import type { SyncServiceDeps } from './sync-deps.js';

/** A batch of a run's domains, as both drivers hand it to `runBatch`: validated the same way. */
export const BATCH = z.object({ runId: z.uuid(), domainUuids: z.array(fusionpbxId).min(1).max(100) }).strict();
export type Batch = z.infer<typeof BATCH>;

/** At most this many domains per batch: one read, one plan and one apply per batch. */
const MAX_BATCH = 50;

/**
 * A run's domains in batches of at most MAX_BATCH, and at least `spread` batches where there are
 * enough domains: the queue spreads a small run over its workers; in-process, batches are as big as they may be.
 */
export function batchesOf(domainUuids: string[], spread = 1): string[][] {
  return chunks(domainUuids, Math.min(MAX_BATCH, Math.max(1, Math.ceil(domainUuids.length / spread))));
}

/**
 * The steps of every run, whoever drives them: `prepare` (census, guard, email claims, batches),
 * `runBatch` for each batch, `lostDomains` (written, acknowledged, then lost by a store crash: done
 * again once), `finish`. Each step can be repeated: a domain already done for the run is not
 * done twice. No step retries; the driver does, once per mode: `runInProcess` below (the CLI),
 * with `SYNC_ATTEMPTS` and backoff, or the queue (workers/sync-processor.ts), with BullMQ's
 * attempts. On a step's last failure the driver calls `failBatch` or `fail`.
 */
export class RunPipeline {
  constructor(private readonly deps: SyncServiceDeps) {}

  /** Starts the run; the domains to sync, or null when the run is no longer live. */
  async prepare(runId: string): Promise<string[] | null> {
    const { db, runs, settings } = this.deps;
    if (!(await runs.start(db, runId, settings.leaseMs))) return null;
    const run = (await runs.get(db, runId))!;
    if (!run.scopeDomainUuid && !run.scopeDomainUuids && !run.dryRun) await seedPollBaseline(this.deps);
    const prepared = await prepareRun({ ...this.deps, ...settings, fullReconcileMs: settings.fullReconcileHours * 3_600_000 }, run);
    await db.transaction(async (trx) => {
      await runs.saveContext(trx, runId, prepared.context);
      // Unchanged domains: their run rows say so, with the problems they still have.
      await runs.saveDomainRuns(
        trx,
        run,
        prepared.unchanged.map((u) => ({ id: this.deps.newId(), domainUuid: u.domainUuid, status: 'succeeded', counts: unchangedCounts(u.last.counts), fingerprint: u.fingerprint, reconciledAt: u.last.reconciledAt })),
      );
      await this.deps.changes.copyProblems(trx, runId, prepared.unchanged.map((u) => ({ domainUuid: u.domainUuid, runId: u.last.runId })));
    });
    const log = this.log(runId);
    if (prepared.unchanged.length > 0) log.info({ unchanged: prepared.unchanged.length, toSync: prepared.domainUuids.length }, 'unchanged domains skipped');
    if (prepared.context.quarantineReason) log.warn({ reason: prepared.context.quarantineReason }, 'run quarantined: planning only');
    return prepared.domainUuids;
  }

  /**
   * One batch: read and planned in one go, applied together. If the batch fails, each of its
   * domains is tried alone, so one bad domain does not fail its neighbours: a domain failing for
   * good is recorded failed at once; domains failing in a way a retry may get past are thrown
   * together (RetryableDomains) for the driver to retry.
   */
  async runBatch(input: Batch): Promise<number> {
    const { runId, domainUuids } = BATCH.parse(input);
    const { run, context } = await this.loadRun(runId);
    try {
      return await this.syncDomains(run, context, domainUuids);
    } catch (error) {
      if (domainUuids.length === 1) throw error;
      this.log(runId).warn({ domains: domainUuids.length, err: error }, 'a batch failed: its domains one at a time');
    }
    const retryable = new Map<string, unknown>();
    let users = 0;
    for (const uuid of domainUuids) {
      users += await this.syncDomains(run, context, [uuid]).catch(async (error: unknown) => {
        if (isTransient(error)) retryable.set(uuid, error);
        else await this.failDomain(runId, uuid, error);
        return 0;
      });
    }
    if (retryable.size > 0) throw new RetryableDomains(retryable);
    return users;
  }

  /** A batch's last failure: each of its domains without a result is recorded failed, with its own reason where known. */
  async failBatch(runId: string, domainUuids: string[], error: unknown): Promise<void> {
    const done = await this.deps.runs.finishedDomains(this.deps.db, runId, domainUuids);
    for (const uuid of domainUuids.filter((d) => !done.has(d))) {
      await this.failDomain(runId, uuid, error instanceof RetryableDomains ? (error.failures.get(uuid) ?? error) : error);
    }
  }

  /** Domains of the run without a result, leaving out those whose failure has a known reason: writes the store lost. */
  async lostDomains(runId: string, failed: ReadonlyMap<string, string> = new Map()): Promise<string[]> {
    const context = await this.deps.runs.context(this.deps.db, runId);
    const done = new Set((await this.deps.runs.domains(this.deps.db, runId)).map((d) => d.scopeDomainUuid));
    return (context?.domainUuids ?? []).filter((uuid) => !done.has(uuid) && !failed.has(uuid));
  }

  /**
   * The last step: a domain still without a result is recorded failed, with the reason the driver
   * knows (its batch's failure) or as lost writes; totals are the sum of the domains.
   */
  async finish(runId: string, reasons: ReadonlyMap<string, string> = new Map()): Promise<Run> {
    const { db, runs } = this.deps;
    for (const uuid of await this.lostDomains(runId)) {
      await this.failDomain(runId, uuid, reasons.get(uuid) ?? 'no result: its sync reported success but its writes are not in the store (lost)');
    }
    const [run, context, domains] = await Promise.all([runs.get(db, runId), runs.context(db, runId), runs.domains(db, runId)]);
    const counts: Counts = {};
    for (const d of domains) addCounts(counts, d.counts);
    const failed = domains.filter((d) => d.status === 'failed').map((d) => `${d.scopeDomainUuid}: ${d.error}`);
    const total = Math.max(domains.length, context?.domainUuids.length ?? 0);
    const status: RunStatus = failed.length > 0 ? 'failed' : context?.mode === 'record' && !run!.dryRun ? 'quarantined' : 'succeeded';
    await runs.finish(db, runId, {
      status,
      counts,
      quarantineReason: context?.quarantineReason ?? null,
      error: failed.length > 0 ? `${failed.length} of ${total} domains failed: ${failed.join('; ')}` : null,
    });
    return endedRun(this.deps, runId);
  }

  /** Ends a run that failed as a whole (its census could not be read, say). */
  async fail(runId: string, error: unknown): Promise<Run | null> {
    if (!(await this.deps.runs.finish(this.deps.db, runId, { status: 'failed', error: describeError(error) }))) return this.deps.runs.get(this.deps.db, runId);
    return endedRun(this.deps, runId);
  }

  /**
   * The in-process driver (the CLI, the change poll): the steps in a loop, each retried with
   * backoff, two batches in flight. After each batch `onProgress` hears how far the run got. Once
   * `signal` aborts, no new batch starts: the batches in flight finish (each domain commits whole),
   * and the run ends failed, naming the domains left for the next run.
   */
  async runInProcess(runId: string, options: { signal?: AbortSignal; onProgress?: (p: RunProgress) => void } = {}): Promise<Run> {
    const { settings, runs, db } = this.deps;
    const log = this.log(runId);
    const retry = { attempts: settings.attempts, baseDelayMs: settings.retryDelayMs, retryable: isTransient, onRetry: (error: unknown, attempt: number) => log.warn({ attempt, err: error }, 'a step failed; retrying') };
    const heartbeat = setInterval(() => void runs.extendLease(db, runId, settings.leaseMs).catch(() => undefined), settings.leaseMs / 3);
    const progress: RunProgress = { domainsDone: 0, domainsTotal: 0, users: 0, startedAt: performance.now() };
    const runBatches = (batches: string[][]) =>
      mapLimit(batches, 2, async (domainUuids) => {
        if (options.signal?.aborted) return;
        progress.users += await withRetries(() => this.runBatch({ runId, domainUuids }), retry).catch((error: unknown) => this.failBatch(runId, domainUuids, error).then(() => 0));
        progress.domainsDone += domainUuids.length;
        options.onProgress?.({ ...progress });
      });
    try {
      const domainUuids = await withRetries(() => this.prepare(runId), retry).catch(async (error: unknown) => {
        await this.fail(runId, error);
        throw error;
      });
      if (!domainUuids) return (await runs.get(db, runId))!;
      progress.domainsTotal = domainUuids.length;
      await runBatches(batchesOf(domainUuids));
      if (options.signal?.aborted) return (await this.fail(runId, interrupted(options.signal, await this.lostDomains(runId))))!;
      await runBatches(batchesOf(await this.lostDomains(runId)));
      return await this.finish(runId);
    } catch (error) {
      log.error({ err: error }, 'run failed');
      return (await runs.get(db, runId))!;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Waits for a run another process drives to end (a CLI sync that joined a queued run). */
  async waitFor(runId: string, pollMs = 250, timeoutMs = 3_600_000): Promise<Run> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.deps.runs.get(this.deps.db, runId);
      if (!run) throw new AppError('NOT_FOUND', `run ${runId} does not exist`);
      if (!['queued', 'running'].includes(run.status) || Date.now() > deadline) return run;
      await sleep(pollMs);
    }
  }

  private async loadRun(runId: string): Promise<{ run: Run; context: RunContext }> {
    const [run, context] = await Promise.all([this.deps.runs.get(this.deps.db, runId), this.deps.runs.context(this.deps.db, runId)]);
    if (!run || !context) throw new Error(`run ${runId} has no prepared context`);
    return { run, context };
  }

  /** Reads a batch of domains in one go, then applies those with changes together (see syncBatch); returns the users read. */
  private async syncDomains(run: Run, context: RunContext, domainUuids: string[]): Promise<number> {
    const unknown = new Map(context.unknownDomains.map((d) => [d.uuid, d]));
    const snapshots = (await this.deps.source.readDomains(domainUuids)).map((snapshot) => {
      // The census already saw this domain refused; keep the run's view consistent.
      const refused = unknown.get(domainOf(snapshot));
      return refused && snapshot.state !== 'unknown' ? { state: 'unknown' as const, domain: refused, reason: 'refused at census', problems: [] } : snapshot;
    });
    return syncBatch({ ...this.deps, logger: this.log(run.id) }, run, context, snapshots);
  }

  private async failDomain(runId: string, domainUuid: string, error: unknown): Promise<void> {
    const run = await this.deps.runs.get(this.deps.db, runId);
    if (!run) return;
    this.log(runId).error({ domain: domainUuid, err: error }, 'domain sync failed');
    await this.deps.runs.saveDomainRun(this.deps.db, run, { id: this.deps.newId(), domainUuid, status: 'failed', counts: {}, error: describeError(error) });
  }

  private log(runId: string): Logger {
    return this.deps.logger.child({ runId });
  }
}

/** How far an in-process run got: domains done of its total, and the FusionPBX users they held. */
export interface RunProgress {
  domainsDone: number;
  domainsTotal: number;
  users: number;
  /** performance.now() at the run's start, for a rate. */
  startedAt: number;
}

function interrupted(signal: AbortSignal, left: string[]): string {
  return `interrupted (${String(signal.reason ?? 'signal')}) with ${left.length} domain(s) not synced; the next run syncs them`;
}

/** A run that just ended, counted in the metrics and logged. */
export async function endedRun(deps: Pick<SyncServiceDeps, 'db' | 'runs' | 'metrics' | 'logger'>, runId: string): Promise<Run> {
  const run = (await deps.runs.get(deps.db, runId))!;
  const started = run.startedAt ? Date.parse(run.startedAt) : Date.now();
  deps.metrics.syncRuns.inc({ trigger: run.trigger, outcome: run.status, dry_run: String(run.dryRun) });
  deps.metrics.syncRunDuration.observe({ trigger: run.trigger }, (Date.now() - started) / 1000);
  deps.logger.child({ runId }).info({ status: run.status, counts: run.counts }, 'run finished');
  return run;
}

/** A domain's counts when nothing changed since: every object it had is unchanged; its problems stay. */
function unchangedCounts(previous: Counts): Counts {
  const out: Counts = {};
  for (const [group, keys] of Object.entries(previous) as Array<[keyof Counts, Record<string, number>]>) {
    const objects = ['created', 'updated', 'linked', 'enabled', 'disabled', 'unchanged'].reduce((n, k) => n + (keys[k] ?? 0), 0);
    out[group] = { ...(objects ? { unchanged: objects } : {}), ...Object.fromEntries(['conflict', 'error', 'warning'].filter((k) => keys[k]).map((k) => [k, keys[k]!])) };
  }
  return out;
}
