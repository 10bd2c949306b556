import type { Knex } from 'knex';
import { chunks } from '../common/collections.js';
import { mapLimit } from '../common/semaphore.js';
import { SYNC_ACTOR, type Problem } from '../common/vocabulary.js';
import type { DomainMapping } from '../config/mapping-file.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { DomainSnapshot } from '../sources/model.js';
import type { ActivationLogStore } from '../store/activation-log-store.js';
import type { ChangeStore } from '../store/change-store.js';
import type { Run, RunContext, RunStore } from '../store/run-store.js';
import { loadStoreSnapshots, lockDomains, type SnapshotQuery } from '../store/sync-snapshot-store.js';
import type { Change, StoreSnapshot, TraceStep } from '../store/types.js';
import { applyChanges, oneDomain } from './apply/apply-changes.js';
import { StalePlan, fallbackAfter } from './apply/fallback.js';
import { bump } from './planner/counts.js';
import { planDomain } from './planner/plan-domain.js';
import { planOneUser } from './planner/plan-one-user.js';
import type { DomainPlan } from './planner/plan-types.js';
import { storeDigests } from '../store/digest-store.js';
import { fingerprint, runDigest } from './fingerprint.js';

export interface DomainSyncDeps {
  db: Knex;
  /** Which source read the snapshots (named in a one-user run's trace). */
  source: { kind: string };
  runs: RunStore;
  changes: ChangeStore;
  activationLog: ActivationLogStore;
  mapping: DomainMapping;
  metrics: Metrics;
  logger: Logger;
  /** Groups of a batch's domains with changes applied at once, each group in one transaction. */
  domainConcurrency: number;
  newId(): string;
}

/**
 * Syncs a batch of domains of a run. The store is read for the whole batch at once and every
 * domain is planned; a domain with nothing to change (or a run that only records: dry run,
 * quarantine) needs no lock and is recorded with the others in one statement. The domains with
 * changes are applied in groups (one per `domainConcurrency`), each group in one transaction under
 * its domains' advisory locks: a domain's writes, change log and run row commit together or not at
 * all. A domain already finished for this run (a retried job) is not done twice.
 */
/** Returns how many FusionPBX users the batch read (for progress reports). */
export async function syncBatch(deps: DomainSyncDeps, run: Run, context: RunContext, snapshots: DomainSnapshot[]): Promise<number> {
  const started = performance.now();
  const done = await deps.runs.finishedDomains(deps.db, run.id, snapshots.map(domainOf));
  const todo = snapshots.filter((s) => !done.has(domainOf(s)));
  // One consistent read of the store for the batch: the snapshots and their digests agree.
  const { stores, digests } = await deps.db.transaction(
    async (trx) => ({
      stores: await loadStoreSnapshots(trx, todo.map((s) => snapshotQuery(deps, s))),
      digests: await storeDigests(trx, todo.map(domainOf)),
    }),
    { isolationLevel: 'repeatable read', readOnly: true },
  );
  const plans = todo.map((s, i) => ({ snapshot: s, ...plan(deps, run, context, s, stores[i]!), storeDigest: digests.get(domainOf(s)) }));
  const recordOnly = context.mode === 'record';
  const quiet = plans.filter((p) => recordOnly || p.plan.changes.length === 0);
  const busy = plans.filter((p) => !recordOnly && p.plan.changes.length > 0);

  await deps.db.transaction(async (trx) => {
    await deps.changes.recordMany(
      trx,
      { runId: run.id, actor: SYNC_ACTOR },
      quiet.map((p) => ({ domainUuid: p.plan.domainUuid, changes: p.plan.changes.map((c) => ({ ...c, applied: false })), problems: p.plan.problems })),
    );
    const status = recordOnly && !run.dryRun ? 'quarantined' : 'succeeded';
    const outcome = run.dryRun ? 'not applied: dry run' : recordOnly ? 'not applied: the run is quarantined' : 'nothing to apply';
    await deps.runs.saveDomainRuns(
      trx,
      run,
      quiet.map((p) => ({
        id: deps.newId(),
        domainUuid: p.plan.domainUuid,
        status,
        counts: p.plan.counts,
        // Nothing to change: store and upstream agree as read, so this state may be skipped next time.
        fingerprint: p.plan.changes.length === 0 ? domainFingerprint(deps, run, context, p.snapshot, p.storeDigest, p.plan.problems) : null,
        trace: p.trace && [...p.trace, { step: 'apply', outcome, detail: `${p.plan.changes.length} change(s) planned, none written` }],
      })),
    );
  });
  for (const p of quiet) observe(deps, [], p.plan.problems);
  const groups = chunks(busy, Math.max(1, Math.ceil(busy.length / deps.domainConcurrency)));
  await mapLimit(groups, deps.domainConcurrency, (group) => applyGroup(deps, run, context, group));
  // A batch's time, shared out among its domains.
  const each = (performance.now() - started) / 1000 / Math.max(1, todo.length);
  for (let i = 0; i < todo.length; i++) deps.metrics.syncDomainDuration.observe(each);
  return todo.reduce((n, s) => n + (s.state === 'present' ? s.users.length : 0), 0);
}

/** A domain with changes, as the batch read planned it. */
interface Planned {
  snapshot: DomainSnapshot;
  plan: DomainPlan;
  /** A one-user run's steps so far. */
  trace: TraceStep[] | null;
  /** The store's digest of the domain at the batch read; undefined for a domain the store did not have. */
  storeDigest: string | undefined;
}

/**
 * Domains with changes, together: one transaction under all their locks, a few statements for
 * the whole group (the round trips of a transaction per domain cost more than its writes). If it
 * cannot commit as planned, `fallbackAfter` says what follows: each domain alone, or a single
 * domain read and planned again under its lock; a lost connection is the driver's to retry.
 */
async function applyGroup(deps: DomainSyncDeps, run: Run, context: RunContext, group: Planned[], replanned = false): Promise<void> {
  try {
    await applyUnderLock(deps, run, context, group, { early: !replanned });
  } catch (error) {
    const next = fallbackAfter(error, group.length, replanned);
    if (next === 'rethrow') throw error;
    if (next === 'replan') return applyGroup(deps, run, context, group, true);
    deps.logger.info({ runId: run.id, domains: group.length, err: error }, 'a group of domains could not be applied together: one at a time');
    for (const p of group) await applyGroup(deps, run, context, [p]);
  }
}

/**
 * Domains with changes in one repeatable-read transaction under their locks. With `early`, each
 * domain's plan from the batch read is kept if the store's digest of the domain has not moved
 * since (a domain the store did not have is guarded by its unique keys); every write is guarded
 * besides (creates by their unique keys, updates by their before-values), so a change of a kept
 * plan found stale rolls everything back. Otherwise, or where the digest moved, the domain is read
 * and planned again under the lock, and a change still found stale is recorded as a warning. The
 * digest after the writes, in the same snapshot, gives each domain its new fingerprint. A domain
 * already finished for this run is not done twice.
 */
async function applyUnderLock(deps: DomainSyncDeps, run: Run, context: RunContext, group: Planned[], options: { early: boolean }): Promise<void> {
  const outcome = await deps.db.transaction(
    async (trx) => {
      const uuids = group.map((p) => domainOf(p.snapshot));
      await lockDomains(trx, uuids);
      const finished = await deps.runs.finishedDomains(trx, run.id, uuids);
      const todo = group.filter((p) => !finished.has(domainOf(p.snapshot)));
      const now = await storeDigests(trx, options.early ? todo.flatMap((p) => (p.storeDigest === undefined ? [] : [domainOf(p.snapshot)])) : []);
      const kept = new Set(todo.filter((p) => options.early && (p.storeDigest === undefined || now.get(domainOf(p.snapshot)) === p.storeDigest)));
      const redo = todo.filter((p) => !kept.has(p));
      const fresh = await loadStoreSnapshots(trx, redo.map((p) => snapshotQuery(deps, p.snapshot)));
      const replanned = new Map(redo.map((p, i) => [p, plan(deps, run, context, p.snapshot, fresh[i]!)]));
      const plans = todo.map((p) => ({ domainUuid: domainOf(p.snapshot), snapshot: p.snapshot, ...(replanned.get(p) ?? p), kept: kept.has(p) }));

      const domainOfChange = new Map(plans.flatMap((p) => p.plan.changes.map((c) => [c, p.domainUuid] as const)));
      const origin = { runId: run.id, actor: SYNC_ACTOR, domainOf: (c: Change) => domainOfChange.get(c) ?? null };
      const result = await applyChanges(trx, plans.flatMap((p) => p.plan.changes), origin, deps, { log: true });
      const stale = new Set(result.stale);
      if (plans.some((p) => p.kept && p.plan.changes.some((c) => stale.has(c)))) throw new StalePlan();

      const done = plans.map((p) => {
        const staleHere = p.plan.changes.filter((c) => stale.has(c));
        for (const c of staleHere) bump(p.plan.counts, c.entity, 'warning');
        return { ...p, stale: staleHere, problems: [...p.plan.problems, ...staleHere.map(staleProblem)] };
      });
      await deps.changes.recordMany(
        trx,
        origin,
        done.map((d) => ({ domainUuid: d.domainUuid, changes: d.stale.map((c) => ({ ...c, applied: false })), problems: d.problems })),
      );
      const after = await storeDigests(trx, done.filter((d) => d.stale.length === 0).map((d) => d.domainUuid));
      await deps.runs.saveDomainRuns(
        trx,
        run,
        done.map((d) => ({
          id: deps.newId(),
          domainUuid: d.domainUuid,
          status: 'succeeded',
          counts: d.plan.counts,
          fingerprint: domainFingerprint(deps, run, context, d.snapshot, after.get(d.domainUuid), d.problems),
          trace: d.trace && [
            ...d.trace,
            { step: 'apply', outcome: d.stale.length ? 'partly applied' : 'applied', detail: `${d.plan.changes.length - d.stale.length} change(s) written${d.stale.length ? `; ${d.stale.length} found changed since the plan, left for the next sync` : ''}` },
          ],
        })),
      );
      return { applied: result.applied, problems: done.flatMap((d) => d.problems) };
    },
    { isolationLevel: 'repeatable read' },
  );
  observe(deps, outcome.applied, outcome.problems);
}

/** A one-user run applies part of a domain's plan: it leaves no fingerprint, so the next run plans the domain in full. */
function domainFingerprint(deps: DomainSyncDeps, run: Run, context: RunContext, snapshot: DomainSnapshot, storeDigest: string | undefined, problems: Problem[]): string | null {
  if (run.scopeUserUuid) return null;
  const emails = snapshot.state === 'present' ? snapshot.users.flatMap((u) => (u.email ? [u.email] : [])) : [];
  const domain = snapshot.state === 'absent' ? null : snapshot.domain;
  const facts = runDigest(deps.mapping, domain, emails, context.emailWinners, context.unknownDomains.map((d) => d.uuid));
  return fingerprint(context.upstreamDigests[domainOf(snapshot)], storeDigest, facts, problems);
}

/** Applies the plan an admin approved for one domain of a quarantined run. */
export async function applyApprovedDomain(deps: DomainSyncDeps, run: Run, domain: Run): Promise<void> {
  const domainUuid = domain.scopeDomainUuid!;
  const result = await deps.db.transaction(async (trx) => {
    await lockDomains(trx, [domainUuid]);
    const planned = await deps.changes.planned(trx, run.id, domainUuid);
    const applied = await applyChanges(trx, planned, oneDomain(run.id, domainUuid, SYNC_ACTOR), deps, { log: false });
    const appliedIds = new Set(applied.applied.map((c) => `${c.entity}:${c.id}`));
    await deps.changes.markApplied(
      trx,
      planned.filter((c) => appliedIds.has(`${c.entity}:${c.id}`)).map((c) => c.recordId),
    );
    const problems = applied.stale.map(staleProblem);
    await deps.changes.record(trx, { runId: run.id, domainUuid, actor: SYNC_ACTOR }, [], problems);
    const counts = structuredClone(domain.counts);
    for (const c of applied.stale) bump(counts, c.entity, 'warning');
    await deps.runs.saveDomainRun(trx, run, { id: domain.id, domainUuid, status: 'succeeded', counts });
    return { applied: applied.applied, problems };
  });
  observe(deps, result.applied, result.problems);
}

/** A domain's plan; for a one-user run, cut down to that user, with its trace. */
function plan(deps: DomainSyncDeps, run: Run, context: RunContext, snapshot: DomainSnapshot, store: StoreSnapshot): { plan: DomainPlan; trace: TraceStep[] | null } {
  const input = {
    snapshot,
    target: snapshot.state === 'absent' ? null : deps.mapping.tenantFor(snapshot.domain),
    store,
    run: { emailWinners: context.emailWinners, unknownDomainUuids: context.unknownDomains.map((d) => d.uuid) },
    roleFor: (groups: string[] | undefined) => deps.mapping.roleFor(groups),
    newId: deps.newId,
  };
  const whole = planDomain(input);
  return run.scopeUserUuid ? planOneUser(whole, input, run.scopeUserUuid, deps.source.kind) : { plan: whole, trace: null };
}

function snapshotQuery(deps: DomainSyncDeps, snapshot: DomainSnapshot): SnapshotQuery {
  const present = snapshot.state === 'present';
  return {
    syncKey: snapshot.state === 'absent' ? null : deps.mapping.tenantFor(snapshot.domain).syncKey,
    domainUuid: domainOf(snapshot),
    userUuids: present ? [...snapshot.users.map((u) => u.uuid), ...snapshot.unreadableUserUuids] : [],
    emails: present ? snapshot.users.flatMap((u) => (u.email ? [u.email] : [])) : [],
    extensionUuids: present ? snapshot.extensions.map((e) => e.uuid) : [],
  };
}

export function domainOf(snapshot: DomainSnapshot): string {
  return snapshot.state === 'absent' ? snapshot.domainUuid : snapshot.domain.uuid;
}

function staleProblem(c: Change): Problem {
  return {
    kind: 'warning',
    entity: c.entity,
    fusionpbxUuid: c.fusionpbxUuid,
    code: 'CHANGED_SINCE_PLAN',
    message: `${c.entity} ${c.id} changed after the plan was made; this change was not applied (the next sync plans it again)`,
  };
}

function observe(deps: DomainSyncDeps, applied: Change[], problems: Problem[]): void {
  for (const c of applied) deps.metrics.objectsChanged.inc({ entity: c.entity, action: c.action });
  for (const p of problems) deps.metrics.problems.inc({ kind: p.kind, entity: p.entity });
}

