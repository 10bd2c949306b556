import type { Db } from '../store/db.js';
import type { ChangeRecord, ChangeStore } from '../store/change-store.js';
import type { Run, RunStore } from '../store/run-store.js';

/** A run as the API and `sync --json` show it. */
export function runSummary(run: Run) {
  return {
    id: run.id,
    trigger: run.trigger,
    status: run.status,
    dryRun: run.dryRun,
    domain: run.scopeDomainUuid,
    actor: run.actor,
    queuedAt: run.queuedAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    counts: run.counts,
    quarantineReason: run.quarantineReason,
    error: run.error,
    approvedBy: run.approvedBy,
    approvedAt: run.approvedAt,
    discardedBy: run.discardedBy,
    discardedAt: run.discardedAt,
  };
}

export type RunSummary = ReturnType<typeof runSummary>;

export function changeView(c: ChangeRecord) {
  return {
    entity: c.entity,
    action: c.action!,
    id: c.objectId,
    fusionpbxUuid: c.fusionpbxUuid,
    before: c.before,
    after: c.after,
    applied: c.applied,
    actor: c.actor,
    clientAddress: c.clientAddress,
    at: c.createdAt,
  };
}

export function problemView(c: ChangeRecord) {
  return { kind: c.kind as 'conflict' | 'error' | 'warning', entity: c.entity, fusionpbxUuid: c.fusionpbxUuid, code: c.code!, message: c.message! };
}

export interface DetailPaging {
  limit: number;
  changesAfter?: number;
  problemsAfter?: number;
}

/** A run with its domains and one page each of its changes and problems. */
export async function runDetail(db: Db, runs: RunStore, changes: ChangeStore, run: Run, paging: DetailPaging) {
  const [domains, changePage, problemPage] = await Promise.all([
    runs.domains(db, run.id),
    changes.forRun(db, run.id, { problems: false, limit: paging.limit + 1, afterId: paging.changesAfter }),
    changes.forRun(db, run.id, { problems: true, limit: paging.limit + 1, afterId: paging.problemsAfter }),
  ]);
  const next = (page: ChangeRecord[]) => (page.length > paging.limit ? String(page[paging.limit - 1]!.id) : null);
  return {
    ...runSummary(run),
    domains: domains.map((d) => ({ domain: d.scopeDomainUuid, status: d.status, counts: d.counts, error: d.error })),
    changes: changePage.slice(0, paging.limit).map(changeView),
    problems: problemPage.slice(0, paging.limit).map(problemView),
    nextChangesCursor: next(changePage),
    nextProblemsCursor: next(problemPage),
  };
}

export type RunDetail = Awaited<ReturnType<typeof runDetail>>;
