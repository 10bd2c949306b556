import type { ActivationEvent, ActivationLogStore } from '../../store/activation-log-store.js';
import type { ChangeStore } from '../../store/change-store.js';
import type { Db } from '../../common/postgres.js';
import { insertRows, updateRows } from '../../store/row-writer.js';
import { mergeSearchPending } from '../../store/search-pending.js';
import { TABLES } from '../../store/tables.js';
import { groupBy } from '../../common/collections.js';
import type { Actor } from '../../common/vocabulary.js';
import type { Change, EntityName } from '../../store/types.js';

export interface ApplyOrigin {
  runId: string | null;
  actor: Actor;
  /** The FusionPBX domain a change is logged under (null for an admin's change). */
  domainOf(change: Change): string | null;
}

/** Every change of the call logged under one domain (or none). */
export function oneDomain(runId: string | null, domainUuid: string | null, actor: Actor): ApplyOrigin {
  return { runId, actor, domainOf: () => domainUuid };
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
 * Writes changes in the caller's transaction, of one domain or of many: one insert and a few
 * updates per entity, whatever the number of rows. With `log`, every applied change also goes to
 * the change log (a create of a row that carries its domain in the same statement as its insert);
 * an approval applies changes already logged, so it does not. Each user enable or disable also
 * goes to the activation log. Users written, the search index's pending list is merged.
 */
export async function applyChanges(db: Db, changes: Change[], origin: ApplyOrigin, stores: ApplyStores, options: { log: boolean }): Promise<ApplyResult> {
  const byEntity = groupBy(changes, (c) => c.entity);
  const done = new Map<EntityName, Set<string>>();
  for (const entity of ORDER) {
    const mine = byEntity.get(entity) ?? [];
    const creates = mine.filter((c) => c.action === 'created');
    const updates = mine.filter((c) => c.action !== 'created');
    const keys = new Set<string>();
    if (creates.length > 0) {
      const log = options.log && logsOwnCreate(entity) ? { runId: origin.runId, actor: origin.actor } : null;
      for (const key of await insertRows(db, entity, creates.map((c) => c.after), log)) keys.add(key);
    }
    if (updates.length > 0) for (const key of await updateRows(db, entity, updates)) keys.add(key);
    done.set(entity, keys);
  }
  if (byEntity.has('user')) await mergeSearchPending(db);
  const applied: Change[] = [];
  const stale: Change[] = [];
  for (const c of changes) (done.get(c.entity)?.has(c.id) ? applied : stale).push(c);
  if (options.log) {
    const logged = applied.filter((c) => c.action !== 'created' || !logsOwnCreate(c.entity));
    const entries = [...groupBy(logged, origin.domainOf)].map(([domainUuid, changes]) => ({ domainUuid, changes: changes.map((c) => ({ ...c, applied: true })), problems: [] }));
    await stores.changes.recordMany(db, origin, entries);
  }
  await stores.activationLog.record(db, applied.flatMap((c) => activationOf(c, origin)));
  return { applied, stale };
}

/** A row with a FusionPBX domain column: its insert writes its own `created` record, under that domain. */
function logsOwnCreate(entity: EntityName): boolean {
  return 'fusionpbxDomainUuid' in TABLES[entity].columns;
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
      actor: origin.actor.name,
      runId: origin.runId,
    },
  ];
}
