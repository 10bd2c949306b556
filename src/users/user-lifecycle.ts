import { SCHEDULE_ACTOR, type Actor } from '../common/vocabulary.js';
import { AppError } from '../errors/app-error.js';
import { changeFor } from '../sync/planner/changes.js';
import type { Change } from '../store/types.js';
import { auditFields, lockedUser, requireAnotherAdmin, requireNoActiveCall, writeChanges, type UsersDeps } from './user-writes.js';

/**
 * Enable, disable (also until a time), delete, and extension links: each in one transaction that
 * writes the row, the change log and the activation log together, or nothing.
 */
export class UserLifecycle {
  constructor(private readonly deps: UsersDeps) {}

  async disable(id: string, options: { reason?: string | null; until?: string | null }, actor: Actor): Promise<void> {
    const until = options.until ?? null;
    if (until !== null && Date.parse(until) <= Date.now()) throw new AppError('VALIDATION_FAILED', 'until: must be in the future');
    await this.deps.db.transaction(async (trx) => {
      const user = await lockedUser(this.deps, trx, id);
      await requireAnotherAdmin(this.deps, trx, user, 'disabled');
      const change = changeFor('user', id, user.fusionpbxUserUuid, user, {
        status: 'disabled',
        disabledBy: 'admin',
        disabledReason: options.reason ?? null,
        disabledUntil: until === null ? null : new Date(until).toISOString(),
      });
      await writeChanges(this.deps, trx, change ? [change] : [], actor);
    });
    await this.reschedule(id, until);
  }

  async enable(id: string, actor: Actor): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const user = await lockedUser(this.deps, trx, id);
      const change = changeFor('user', id, user.fusionpbxUserUuid, user, { status: 'enabled', disabledBy: null, disabledReason: null, disabledUntil: null });
      await writeChanges(this.deps, trx, change ? [change] : [], actor);
    });
    await this.reschedule(id, null);
  }

  /** The end of a timed disable; does nothing if the user was enabled or disabled again meanwhile. */
  async enableExpired(id: string, until: string): Promise<boolean> {
    return this.deps.db.transaction(async (trx) => {
      const user = await this.deps.users.get(trx, id, { forUpdate: true });
      const due = user && user.status === 'disabled' && user.disabledBy === 'admin' && user.disabledUntil !== null;
      if (!due || Date.parse(user.disabledUntil!) !== Date.parse(until) || Date.parse(until) > Date.now()) return false;
      const change = changeFor('user', id, user.fusionpbxUserUuid, user, { status: 'enabled', disabledBy: null, disabledReason: null, disabledUntil: null });
      await writeChanges(this.deps, trx, change ? [change] : [], SCHEDULE_ACTOR);
      return true;
    });
  }

  /**
   * Deletes a user: never while any of its extensions is in a call or the probe cannot tell, never
   * a tenant's last admin. A deleted synced user is excluded so the next sync does not recreate it.
   */
  async delete(id: string, actor: Actor): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const user = await lockedUser(this.deps, trx, id);
      await requireAnotherAdmin(this.deps, trx, user, 'deleted');
      const extensions = await this.deps.extensions.ofUser(trx, id);
      await requireNoActiveCall(this.deps, trx, extensions.map((e) => e.id), 'delete');
      if (user.source === 'fusionpbx' && user.fusionpbxUserUuid) {
        await this.deps.exclusions.add(trx, {
          fusionpbxUserUuid: user.fusionpbxUserUuid,
          userId: user.id,
          email: user.email,
          username: user.username,
          tenantId: user.tenantId,
          reason: 'deleted by an admin',
          excludedBy: actor.name,
        });
      }
      await this.deps.users.delete(trx, id);
      const change: Change = { entity: 'user', action: 'deleted', id, fusionpbxUuid: user.fusionpbxUserUuid, before: auditFields(user), after: {} };
      await this.deps.changes.record(trx, { runId: null, domainUuid: null, actor }, [{ ...change, applied: true }], []);
    });
    await this.reschedule(id, null);
  }

  /** Links an extension of the user's tenant to a manual user. */
  async assignExtension(userId: string, extensionId: string, actor: Actor): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const user = await lockedUser(this.deps, trx, userId);
      const ext = await this.deps.extensions.get(trx, extensionId, { forUpdate: true });
      if (!ext || !ext.present) throw new AppError('NOT_FOUND', `extension ${extensionId} does not exist`);
      if (user.source === 'fusionpbx') throw new AppError('FIELD_OWNED_BY_FUSIONPBX', `user ${userId} is synced: FusionPBX owns its extension links`);
      if (ext.tenantId !== user.tenantId) throw new AppError('EXTENSION_NOT_IN_TENANT', `extension ${ext.number} belongs to another tenant than user ${userId}`);
      if (ext.userId === userId) return;
      if (ext.userId !== null) {
        if (ext.linkSource === 'sync') throw new AppError('FIELD_OWNED_BY_FUSIONPBX', `extension ${ext.number} is assigned in FusionPBX`);
        throw new AppError('EXTENSION_ASSIGNED', `extension ${ext.number} is assigned to another user; unassign it first`);
      }
      const change = changeFor('extension', ext.id, ext.fusionpbxExtensionUuid, ext, { userId, linkSource: 'admin' });
      await writeChanges(this.deps, trx, change ? [change] : [], actor);
    });
  }

  /** Unlinks an extension from a manual user, never while it is in a call or the probe cannot tell. */
  async unassignExtension(userId: string, extensionId: string, actor: Actor): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const user = await lockedUser(this.deps, trx, userId);
      const ext = await this.deps.extensions.get(trx, extensionId, { forUpdate: true });
      if (!ext || ext.userId !== userId) throw new AppError('NOT_FOUND', `extension ${extensionId} is not assigned to user ${userId}`);
      if (user.source === 'fusionpbx' || ext.linkSource === 'sync') {
        throw new AppError('FIELD_OWNED_BY_FUSIONPBX', `extension ${ext.number} is assigned in FusionPBX: unassign it there`);
      }
      await requireNoActiveCall(this.deps, trx, [ext.id], 'unassign');
      const change = changeFor('extension', ext.id, ext.fusionpbxExtensionUuid, ext, { userId: null, linkSource: null });
      await writeChanges(this.deps, trx, change ? [change] : [], actor);
    });
  }

  /** Keeps the re-enable job in step with the user's `until`; the periodic sweep covers a lost job. */
  private async reschedule(id: string, until: string | null): Promise<void> {
    if (until) await this.deps.reenable.schedule(id, new Date(until).toISOString());
    else await this.deps.reenable.cancel(id);
  }
}
