import type { Knex } from 'knex';
import type { Actor } from '../common/vocabulary.js';
import { AppError } from '../errors/app-error.js';
import type { ActivationLogStore } from '../store/activation-log-store.js';
import type { ChangeStore } from '../store/change-store.js';
import type { ExclusionStore } from '../store/exclusion-store.js';
import type { ExtensionStore } from '../store/extension-store.js';
import type { TenantStore } from '../store/tenant-store.js';
import type { UserRecord, UserStore } from '../store/user-store.js';
import type { Change } from '../store/types.js';
import { applyChanges, oneDomain } from '../sync/apply/apply-changes.js';
import type { ActiveCallProbe } from '../probes/active-call-probe.js';

/** Schedules the automatic re-enable of a user disabled until a time (the queue provides it). */
export interface ReenableScheduler {
  schedule(userId: string, until: string): Promise<void>;
  cancel(userId: string): Promise<void>;
}

export interface UsersDeps {
  db: Knex;
  users: UserStore;
  extensions: ExtensionStore;
  tenants: TenantStore;
  exclusions: ExclusionStore;
  changes: ChangeStore;
  activationLog: ActivationLogStore;
  probe: ActiveCallProbe;
  reenable: ReenableScheduler;
  newId(): string;
}

/**
 * Writes an admin's changes the way the sync writes its own: through the same applier (so status
 * changes reach the activation log), and into the same change log with the admin as actor.
 */
export async function writeChanges(deps: UsersDeps, trx: Knex.Transaction, changes: Change[], actor: Actor): Promise<void> {
  if (changes.length === 0) return;
  const result = await applyChanges(trx, changes, oneDomain(null, null, actor), deps, { log: true });
  if (result.stale.length > 0) throw new Error(`${result.stale.length} rows changed under a lock`);
}

export async function lockedUser(deps: UsersDeps, trx: Knex.Transaction, id: string): Promise<UserRecord> {
  const user = await deps.users.get(trx, id, { forUpdate: true });
  if (!user) throw new AppError('NOT_FOUND', `user ${id} does not exist`);
  return user;
}

/** A tenant's last enabled admin cannot be deleted, disabled, demoted or moved away. */
export async function requireAnotherAdmin(deps: UsersDeps, trx: Knex.Transaction, user: UserRecord, doing: string): Promise<void> {
  if (user.role !== 'admin' || user.status !== 'enabled') return;
  await deps.tenants.lock(trx, user.tenantId);
  if ((await deps.tenants.otherEnabledAdmins(trx, user.tenantId, user.id)) === 0) {
    throw new AppError('LAST_TENANT_ADMIN', `user ${user.id} is the last enabled admin of tenant ${user.tenantId}: it cannot be ${doing}; make another user admin first`);
  }
}

/**
 * Asks the probe about these extensions right before the write, inside the transaction: in a call
 * -> 409, probe cannot tell -> 503 (fail closed). Nothing has been written when it throws.
 */
export async function requireNoActiveCall(deps: UsersDeps, trx: Knex.Transaction, extensionIds: string[], doing: string): Promise<void> {
  const targets = await deps.extensions.callTargets(trx, extensionIds);
  if (targets.length === 0) return;
  const answer = await deps.probe.findCalls(targets);
  if (answer.status === 'unknown') {
    throw new AppError('ACTIVE_CALLS_UNAVAILABLE', `cannot tell whether extension ${targets.map((t) => t.number).join(', ')} is in a call (${answer.reason}); ${doing} refused, nothing was changed`);
  }
  if (answer.calls.length > 0) {
    const first = answer.calls[0]!;
    throw new AppError('USER_IN_ACTIVE_CALL', `extension ${first.number} is in a call (${first.state.toLowerCase() || 'active'}, call ${first.callUuid}); ${doing} refused`, {
      calls: answer.calls.map((c) => ({ extensionId: c.extensionId, number: c.number, callUuid: c.callUuid, state: c.state, node: c.node })),
    });
  }
}

/** A user's fields as the change log keeps them: never the password hash. */
export function auditFields(user: UserRecord): Change['after'] {
  const { lastLoginAt: _l, createdAt: _c, updatedAt: _u, ...fields } = user;
  return fields;
}
