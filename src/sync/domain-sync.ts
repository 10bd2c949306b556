import type { Knex } from 'knex';
import type { Counts, Problem } from '../common/vocabulary.js';
import type { DomainMapping } from '../config/mapping-file.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { DomainSnapshot } from '../sources/model.js';
import type { ActivationLogStore } from '../store/activation-log-store.js';
import type { ChangeStore } from '../store/change-store.js';
import type { Run, RunContext, RunStore } from '../store/run-store.js';
import { loadStoreSnapshot, lockDomain } from '../store/sync-snapshot-store.js';
import type { Change } from '../store/types.js';
import { applyChanges } from './apply/apply-changes.js';
import { bump } from './planner/counts.js';
import { planDomain } from './planner/plan-domain.js';

export interface DomainSyncDeps {
  db: Knex;
  runs: RunStore;
  changes: ChangeStore;
  activationLog: ActivationLogStore;
  mapping: DomainMapping;
  metrics: Metrics;
  logger: Logger;
  newId(): string;
}

export interface DomainOutcome {
  domainUuid: string;
  status: 'succeeded' | 'quarantined' | 'skipped';
  counts: Counts;
}

/**
 * Plans and applies one domain of a run in one transaction, under the domain's advisory lock: the
 * store snapshot, the writes, the change log and the domain's run row commit together or not at
 * all. A domain already finished for this run (a retried job) is not done twice.
 */
export async function syncDomain(deps: DomainSyncDeps, run: Run, context: RunContext, snapshot: DomainSnapshot): Promise<DomainOutcome> {
  const domainUuid = snapshot.state === 'absent' ? snapshot.domainUuid : snapshot.domain.uuid;
  const timer = deps.metrics.syncDomainDuration.startTimer();
  const outcome = await deps.db.transaction(async (trx) => {
    await lockDomain(trx, domainUuid);
    const done = await deps.runs.domainRun(trx, run.id, domainUuid);
    if (done && done.status !== 'failed') return { domainUuid, status: 'skipped' as const, counts: done.counts };

    const target = snapshot.state === 'absent' ? null : deps.mapping.tenantFor(snapshot.domain);
    const store = await loadStoreSnapshot(trx, {
      syncKey: target?.syncKey ?? null,
      domainUuid,
      userUuids: snapshot.state === 'present' ? [...snapshot.users.map((u) => u.uuid), ...snapshot.unreadableUserUuids] : [],
      emails: snapshot.state === 'present' ? snapshot.users.flatMap((u) => (u.email ? [u.email] : [])) : [],
      extensionUuids: snapshot.state === 'present' ? snapshot.extensions.map((e) => e.uuid) : [],
    });
    const plan = planDomain({
      snapshot,
      target,
      store,
      run: { emailWinners: context.emailWinners, unknownDomainUuids: context.unknownDomains.map((d) => d.uuid) },
      roleFor: (groups) => deps.mapping.roleFor(groups),
      newId: deps.newId,
    });

    let recorded: Array<Change & { applied: boolean }> = plan.changes.map((c) => ({ ...c, applied: false }));
    const problems: Problem[] = [...plan.problems];
    if (context.mode === 'apply') {
      const result = await applyChanges(trx, plan.changes, { runId: run.id, actor: 'sync' }, deps.activationLog);
      recorded = [...result.applied.map((c) => ({ ...c, applied: true })), ...result.stale.map((c) => ({ ...c, applied: false }))];
      for (const c of result.stale) {
        problems.push(staleProblem(c));
        bump(plan.counts, c.entity, 'warning');
      }
    }
    await deps.changes.record(trx, { runId: run.id, domainUuid, actor: 'sync' }, recorded, problems);
    const status = context.mode === 'apply' || run.dryRun ? ('succeeded' as const) : ('quarantined' as const);
    await deps.runs.saveDomainRun(trx, run, { id: deps.newId(), domainUuid, status, counts: plan.counts });
    return { domainUuid, status, counts: plan.counts, applied: context.mode === 'apply' ? recorded.filter((c) => c.applied) : [], problems };
  });
  timer();
  if (outcome.status !== 'skipped') observe(deps, outcome.applied, outcome.problems);
  return { domainUuid, status: outcome.status, counts: outcome.counts };
}

/** Applies the plan an admin approved for one domain of a quarantined run. */
export async function applyApprovedDomain(deps: DomainSyncDeps, run: Run, domain: Run): Promise<void> {
  const domainUuid = domain.scopeDomainUuid!;
  const result = await deps.db.transaction(async (trx) => {
    await lockDomain(trx, domainUuid);
    const planned = await deps.changes.planned(trx, run.id, domainUuid);
    const applied = await applyChanges(trx, planned, { runId: run.id, actor: 'sync' }, deps.activationLog);
    const appliedIds = new Set(applied.applied.map((c) => `${c.entity}:${c.id}`));
    await deps.changes.markApplied(
      trx,
      planned.filter((c) => appliedIds.has(`${c.entity}:${c.id}`)).map((c) => c.recordId),
    );
    const problems = applied.stale.map(staleProblem);
    await deps.changes.record(trx, { runId: run.id, domainUuid, actor: 'sync' }, [], problems);
    const counts = structuredClone(domain.counts);
    for (const c of applied.stale) bump(counts, c.entity, 'warning');
    await deps.runs.saveDomainRun(trx, run, { id: domain.id, domainUuid, status: 'succeeded', counts });
    return { applied: applied.applied, problems };
  });
  observe(deps, result.applied, result.problems);
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
