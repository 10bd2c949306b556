import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { chunks } from '../common/collections.js';
import { withRetries } from '../common/retry.js';
import { mapLimit } from '../common/semaphore.js';
import type { Actor, Counts } from '../common/vocabulary.js';
import type { MaxDisable } from '../config/max-disable.js';
import { AppError } from '../errors/app-error.js';
import { describeError, isTransient } from '../errors/sync-errors.js';
import type { FusionpbxSource } from '../sources/source.js';
import type { Run, RunContext, RunStatus, RunTrigger } from '../store/run-store.js';
import type { ScopeStore } from '../store/scope-store.js';
import { applyApprovedDomain, domainOf, syncBatch, type DomainSyncDeps } from './domain-sync.js';
import { addCounts } from './planner/counts.js';
import { prepareRun } from './prepare-run.js';

export interface SyncSettings {
  maxDisable: MaxDisable;
  maxDisableFloor: number;
  /** Every domain is planned in full at least this often, even when its fingerprint has not moved. */
  fullReconcileHours: number;
  /** How long a run started by this process may go without a heartbeat before another may take its scope. */
  leaseMs: number;
  /** Attempts for a transient failure of one step when running in-process. */
  attempts: number;
  retryDelayMs: number;
  /** Domains read from the source in one go when running in-process. */
  batchSize: number;
}

export interface SyncServiceDeps extends DomainSyncDeps {
  db: Knex;
  source: FusionpbxSource;
  scope: ScopeStore;
  settings: SyncSettings;
}

export interface RunRequest {
  trigger: RunTrigger;
  /** A domain's name or uuid; none for the whole platform. */
  domain?: string;
  dryRun?: boolean;
  actor?: string | null;
}

/** Runs the sync: creates runs, prepares them, syncs their domains, ends them; and approves quarantined ones. */
export class SyncService {
  constructor(private readonly deps: SyncServiceDeps) {}

  /** A new queued run for the scope, or the live run already holding it. */
  async requestRun(request: RunRequest): Promise<{ run: Run; created: boolean }> {
    const domainUuid = request.domain ? await this.resolveDomain(request.domain) : null;
    const dryRun = request.dryRun ?? false;
    return this.deps.runs.createOrJoin(this.deps.db, {
      id: this.deps.newId(),
      trigger: request.trigger,
      scopeKey: `${dryRun ? 'dry-run:' : ''}${domainUuid ?? 'all'}`,
      scopeDomainUuid: domainUuid,
      dryRun,
      actor: request.actor ?? null,
    });
  }

  /** A domain by uuid or name, known to the store or to FusionPBX. */
  async resolveDomain(ref: string): Promise<string> {
    const known = await this.deps.scope.findDomain(this.deps.db, ref);
    if (known) return known;
    const name = ref.trim().toLowerCase().replace(/\.+$/, '');
    const upstream = (await this.deps.source.listDomains()).find((d) => d.uuid === name || d.name === name);
    if (upstream) return upstream.uuid;
    throw new AppError('NOT_FOUND', `no FusionPBX domain is named or numbered "${ref.slice(0, 100)}"`);
  }

  /** Step one: census, guard, email claims. Returns null when the run is no longer live. */
  async prepare(runId: string): Promise<{ run: Run; context: RunContext; domainUuids: string[] } | null> {
    const { db, runs } = this.deps;
    if (!(await runs.start(db, runId, this.deps.settings.leaseMs))) return null;
    const run = (await runs.get(db, runId))!;
    const { maxDisable, maxDisableFloor, fullReconcileHours } = this.deps.settings;
    const prepared = await prepareRun({ ...this.deps, maxDisable, maxDisableFloor, fullReconcileMs: fullReconcileHours * 3_600_000 }, run);
    await db.transaction(async (trx) => {
      await runs.saveContext(trx, runId, prepared.context);
      // Unchanged domains: their run rows say so, with the problems they still have.
      await runs.saveDomainRuns(
        trx,
        run,
        prepared.unchanged.map((u) => ({
          id: this.deps.newId(),
          domainUuid: u.domainUuid,
          status: 'succeeded',
          counts: unchangedCounts(u.last.counts),
          fingerprint: u.fingerprint,
          reconciledAt: u.last.reconciledAt,
        })),
      );
      await this.deps.changes.copyProblems(trx, runId, prepared.unchanged.map((u) => ({ domainUuid: u.domainUuid, runId: u.last.runId })));
    });
    if (prepared.unchanged.length > 0) this.deps.logger.info({ runId, unchanged: prepared.unchanged.length, toSync: prepared.domainUuids.length }, 'unchanged domains skipped');
    if (prepared.context.quarantineReason) this.deps.logger.warn({ runId, reason: prepared.context.quarantineReason }, 'run quarantined: planning only');
    return { run, context: prepared.context, domainUuids: prepared.domainUuids };
  }

  /** Reads a batch of domains in one go, then applies those with changes together (see syncBatch). */
  async syncDomains(run: Run, context: RunContext, domainUuids: string[]): Promise<void> {
    const unknown = new Map(context.unknownDomains.map((d) => [d.uuid, d]));
    const snapshots = (await this.deps.source.readDomains(domainUuids)).map((snapshot) => {
      // The census already saw this domain refused; keep the run's view consistent.
      const refused = unknown.get(domainOf(snapshot));
      return refused && snapshot.state !== 'unknown' ? { state: 'unknown' as const, domain: refused, reason: 'refused at census', problems: [] } : snapshot;
    });
    await syncBatch(this.deps, run, context, snapshots);
  }

  /**
   * A batch of domains, retried with backoff; if it keeps failing, one domain at a time (each
   * retried), so one bad domain does not fail its neighbours. A domain that keeps failing is
   * recorded as failed and the others go on.
   */
  async syncDomainsResilient(run: Run, context: RunContext, domainUuids: string[]): Promise<void> {
    if (domainUuids.length === 0) return;
    const { attempts, retryDelayMs } = this.deps.settings;
    const onRetry = (error: unknown, attempt: number, delayMs: number) =>
      this.deps.logger.warn({ runId: run.id, domains: domainUuids.length, attempt, delayMs, err: { message: describeError(error) } }, 'domain sync failed; retrying');
    const retry = { attempts, baseDelayMs: retryDelayMs, retryable: isTransient, onRetry };
    await withRetries(() => this.syncDomains(run, context, domainUuids), retry).catch(async () => {
      for (const uuid of domainUuids) {
        await withRetries(() => this.syncDomains(run, context, [uuid]), retry).catch((error: unknown) => this.failDomain(run.id, uuid, error));
      }
    });
  }

  /** Records a domain that could not be synced after its retries; the other domains go on. */
  async failDomain(runId: string, domainUuid: string, error: unknown): Promise<void> {
    const run = await this.deps.runs.get(this.deps.db, runId);
    if (!run) return;
    this.deps.logger.error({ runId, domain: domainUuid, err: error }, 'domain sync failed');
    await this.deps.runs.saveDomainRun(this.deps.db, run, {
      id: this.deps.newId(),
      domainUuid,
      status: 'failed',
      counts: {},
      error: describeError(error),
    });
  }

  /**
   * The last step: a domain still without a result is recorded as failed, with the reason the
   * caller knows (its batch's failure) or as lost writes; totals are the sum of the domains; the
   * status says what happened.
   */
  async finish(runId: string, reasons: ReadonlyMap<string, string> = new Map()): Promise<Run> {
    const { db, runs } = this.deps;
    const run = (await runs.get(db, runId))!;
    const context = await runs.context(db, runId);
    for (const uuid of await this.missingDomains(runId)) {
      await this.failDomain(runId, uuid, reasons.get(uuid) ?? 'no result: its sync reported success but its writes are not in the store (lost)');
    }
    const domains = await runs.domains(db, runId);
    const counts: Counts = {};
    for (const d of domains) addCounts(counts, d.counts);
    const failed = domains.filter((d) => d.status === 'failed').map((d) => `${d.scopeDomainUuid}: ${d.error}`);
    const total = Math.max(domains.length, context?.domainUuids.length ?? 0);
    const status: RunStatus =
      failed.length > 0 ? 'failed' : context?.mode === 'record' && !run.dryRun ? 'quarantined' : 'succeeded';
    await runs.finish(db, runId, {
      status,
      counts,
      quarantineReason: context?.quarantineReason ?? null,
      error: failed.length > 0 ? `${failed.length} of ${total} domains failed: ${failed.join('; ')}` : null,
    });
    return this.ended(run, status);
  }

  /**
   * Domains of the run without a result. A domain's result is written with its changes, so this
   * finds writes the store acknowledged and then lost (a crash before they reached the disk).
   */
  async missingDomains(runId: string): Promise<string[]> {
    const context = await this.deps.runs.context(this.deps.db, runId);
    const done = new Set((await this.deps.runs.domains(this.deps.db, runId)).map((d) => d.scopeDomainUuid));
    return (context?.domainUuids ?? []).filter((uuid) => !done.has(uuid));
  }

  /** Ends a run that failed as a whole (its census could not be read, say). */
  async fail(runId: string, error: unknown): Promise<Run | null> {
    const { db, runs } = this.deps;
    const message = describeError(error);
    if (!(await runs.finish(db, runId, { status: 'failed', error: message }))) return runs.get(db, runId);
    const run = (await runs.get(db, runId))!;
    return this.ended(run, 'failed');
  }

  private async ended(run: Run, status: RunStatus): Promise<Run> {
    const final = (await this.deps.runs.get(this.deps.db, run.id))!;
    const started = final.startedAt ? Date.parse(final.startedAt) : Date.now();
    this.deps.metrics.syncRuns.inc({ trigger: run.trigger, outcome: status, dry_run: String(run.dryRun) });
    this.deps.metrics.syncRunDuration.observe({ trigger: run.trigger }, (Date.now() - started) / 1000);
    this.deps.logger.info({ runId: run.id, status, counts: final.counts }, 'run finished');
    return final;
  }

  /**
   * Runs a whole run in this process (the CLI): transient failures are retried with backoff like
   * the queue would, a domain that keeps failing is recorded and the others go on.
   */
  async runInProcess(runId: string): Promise<Run> {
    const { settings, runs, db, logger } = this.deps;
    const retry = { attempts: settings.attempts, baseDelayMs: settings.retryDelayMs, retryable: isTransient };
    const heartbeat = setInterval(() => void runs.extendLease(db, runId, settings.leaseMs).catch(() => undefined), settings.leaseMs / 3);
    try {
      const prepared = await withRetries(() => this.prepare(runId), retry).catch(async (error: unknown) => {
        await this.fail(runId, error);
        throw error;
      });
      if (!prepared) return (await runs.get(db, runId))!;
      // Two batches in flight: one is planned in Node while the other's writes run in Postgres.
      await mapLimit(chunks(prepared.domainUuids, settings.batchSize), 2, (batch) => this.syncDomainsResilient(prepared.run, prepared.context, batch));
      // Writes the store acknowledged and then lost (it crashed): those domains are synced again.
      await this.syncDomainsResilient(prepared.run, prepared.context, await this.missingDomains(runId));
      return await this.finish(runId);
    } catch (error) {
      logger.error({ runId, err: error }, 'run failed');
      return (await runs.get(db, runId))!;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Waits for a run another process owns to end (a CLI sync that joined a queued run). */
  async waitFor(runId: string, pollMs = 250, timeoutMs = 3_600_000): Promise<Run> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.deps.runs.get(this.deps.db, runId);
      if (!run) throw new AppError('NOT_FOUND', `run ${runId} does not exist`);
      if (!['queued', 'running'].includes(run.status) || Date.now() > deadline) return run;
      await sleep(pollMs);
    }
  }

  /** Takes a quarantined run for approval (once); the caller then applies it, here or in the background. */
  async approve(runId: string, actor: Actor): Promise<Run> {
    await this.requireQuarantined(runId);
    if (!(await this.deps.runs.approve(this.deps.db, runId, actor.name))) {
      throw new AppError('RUN_NOT_QUARANTINED', `run ${runId} is not quarantined (it was approved or discarded meanwhile)`);
    }
    return (await this.deps.runs.get(this.deps.db, runId))!;
  }

  /** Applies an approved run's kept plans, domain by domain, and ends it succeeded. */
  async applyApproved(runId: string): Promise<Run> {
    const { db, runs } = this.deps;
    const run = (await runs.get(db, runId))!;
    for (const domain of await runs.domains(db, runId)) {
      if (domain.status === 'quarantined') await applyApprovedDomain(this.deps, run, domain);
    }
    await runs.finish(db, runId, { status: 'succeeded', from: ['running'] });
    return this.ended(run, 'succeeded');
  }

  async discard(runId: string, actor: Actor): Promise<Run> {
    await this.requireQuarantined(runId);
    if (!(await this.deps.runs.finish(this.deps.db, runId, { status: 'discarded', from: ['quarantined'], discardedBy: actor.name }))) {
      throw new AppError('RUN_NOT_QUARANTINED', `run ${runId} is not quarantined (it was approved or discarded meanwhile)`);
    }
    const run = (await this.deps.runs.get(this.deps.db, runId))!;
    return this.ended(run, 'discarded');
  }

  private async requireQuarantined(runId: string): Promise<Run> {
    const run = await this.deps.runs.get(this.deps.db, runId);
    if (!run || run.parentId) throw new AppError('NOT_FOUND', `run ${runId} does not exist`);
    if (run.status !== 'quarantined') throw new AppError('RUN_NOT_QUARANTINED', `run ${runId} is ${run.status}, not quarantined`);
    return run;
  }
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
