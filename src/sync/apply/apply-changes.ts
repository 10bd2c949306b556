import type { ActivationEvent, ActivationLogStore } from '../../store/activation-log-store.js';
import type { ChangeStore } from '../../store/change-store.js';
import type { Db } from '../../store/db.js';
import { insertRows, updateRows } from '../../store/row-writer.js';
import type { Change, EntityName } from '../../store/types.js';

export interface ApplyOrigin {
  runId: string | null;
  domainUuid: string | null;
  actor: string;
}

export interface ApplyStores {
  activationLog: ActivationLogStore;
  changes: ChangeStore;
}

export interface ApplyResult {
  applied: Change[];
  /** Changes whose row no longer held their `before` values (edited since the plan): not applied. */
  stale: Change[];
}

/** Parents before children: tenants, then domains, users and extensions (which link to users). */
const ORDER: EntityName[] = ['tenant', 'domain', 'user', 'extension'];

/**
 * Writes changes in the caller's transaction: one insert and a few updates per entity, whatever
 * the number of rows. With `log`, every applied change also goes to the change log (a create in
 * the same statement as its insert); an approval applies changes already logged, so it does not.
 * Each user enable or disable also goes to the activation log.
 */
export async function applyChanges(db: Db, changes: Change[], origin: ApplyOrigin, stores: ApplyStores, options: { log: boolean }): Promise<ApplyResult> {
  const done = new Set<string>();
  for (const entity of ORDER) {
    const mine = changes.filter((c) => c.entity === entity);
    const creates = mine.filter((c) => c.action === 'created');
    const updates = mine.filter((c) => c.action !== 'created');
    if (creates.length > 0) {
      for (const key of await insertRows(db, entity, creates.map((c) => c.after), options.log ? origin : null)) done.add(`${entity}:${key}`);
    }
    if (updates.length > 0) for (const key of await updateRows(db, entity, updates)) done.add(`${entity}:${key}`);
  }
  const applied = changes.filter((c) => done.has(`${c.entity}:${c.id}`));
  const stale = changes.filter((c) => !done.has(`${c.entity}:${c.id}`));
  if (options.log) {
    const logged = applied.filter((c) => c.action !== 'created').map((c) => ({ ...c, applied: true }));
    await stores.changes.record(db, origin, logged, []);
  }
  await stores.activationLog.record(db, applied.flatMap((c) => activationOf(c, origin)));
  return { applied, stale };
}

function activationOf(change: Change, origin: ApplyOrigin): ActivationEvent[] {
  if (change.entity !== 'user' || change.after.status === undefined) return [];
  if (change.action === 'created' && change.after.status === 'enabled') return [];
  return [
    {
      userId: change.id,
      action: change.after.status === 'enabled' ? 'enabled' : 'disabled',
      reason: (change.after.disabledReason as string | null | undefined) ?? null,
      until: (change.after.disabledUntil as string | null | undefined) ?? null,
      actor: origin.actor,
      runId: origin.runId,
    },
  ];
}
