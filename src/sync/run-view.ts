import type { ChangeRecord } from '../store/change-store.js';
import type { Run } from '../store/run-store.js';

/** A run as the API and `sync --json` show it. */
export function runSummary(run: Run) {
  return {
    id: run.id,
    trigger: run.trigger,
    status: run.status,
    dryRun: run.dryRun,
    domain: run.scopeDomainUuid,
    scopeDomains: run.scopeDomainUuids,
    user: run.scopeUserUuid,
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
