import type { Actor, Role } from '../common/vocabulary.js';
import { AppError } from '../errors/app-error.js';
import { normalizeEmail, cleanName } from '../sources/normalize.js';
import { changeFor } from '../sync/planner/changes.js';
import type { Desired } from '../sync/planner/field-diff.js';
import type { ActivationRecord } from '../store/activation-log-store.js';
import type { ChangeRecord } from '../store/change-store.js';
import type { UserDetail, UserFilter } from '../store/user-store.js';
import type { Metrics } from '../observability/metrics.js';
import type { LoginThrottle } from './login-throttle.js';
import { passwordProblem, type PasswordHasher } from './password.js';
import { lockedUser, requireAnotherAdmin, writeChanges, type UsersDeps } from './user-writes.js';

export interface NewUser {
  email: string;
  password: string;
  tenantId: string;
  role: Role;
  firstName?: string | null;
  lastName?: string | null;
}

export type UserPatch = Partial<Omit<NewUser, 'password'>> & { password?: string };

/** Fields FusionPBX owns on a synced user: an admin cannot change them here. */
const OWNED = ['email', 'firstName', 'lastName', 'tenantId'] as const;

export interface UsersServiceDeps extends UsersDeps {
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  metrics: Metrics;
}

/** Manual user management: create, read, search, edit, and the host application's login check. */
export class UsersService {
  constructor(private readonly deps: UsersServiceDeps) {}

  async get(id: string): Promise<UserDetail> {
    const user = await this.deps.users.detail(this.deps.db, id);
    if (!user) throw new AppError('NOT_FOUND', `user ${id} does not exist`);
    return user;
  }

  /** A page of users with their extensions, in one query. */
  async list(filter: UserFilter, limit: number, afterId: string | null): Promise<{ items: UserDetail[]; next: string | null }> {
    const page = await this.deps.users.list(this.deps.db, filter, limit + 1, afterId);
    const items = page.slice(0, limit);
    return { items, next: page.length > limit ? items[items.length - 1]!.id : null };
  }

  async create(input: NewUser, actor: Actor): Promise<UserDetail> {
    const email = validEmail(input.email);
    const problem = passwordProblem(input.password);
    if (problem) throw new AppError('VALIDATION_FAILED', problem);
    const hash = await this.deps.hasher.hash(input.password);
    const id = this.deps.newId();
    await this.deps.db
      .transaction(async (trx) => {
        if (!(await this.deps.tenants.get(trx, input.tenantId))) throw new AppError('VALIDATION_FAILED', `tenantId: tenant ${input.tenantId} does not exist`);
        if (await this.deps.users.emailTaken(trx, email)) throw new AppError('EMAIL_TAKEN', `email ${email} is already used by another user`);
        const fields = { id, tenantId: input.tenantId, email, firstName: cleanName(input.firstName), lastName: cleanName(input.lastName), role: input.role };
        await this.deps.users.insertManual(trx, fields, hash);
        const after = { ...fields, status: 'enabled', source: 'manual' };
        await this.deps.changes.record(trx, { runId: null, domainUuid: null, actor }, [{ entity: 'user', action: 'created', id, fusionpbxUuid: null, before: null, after, applied: true }], []);
      })
      .catch(emailRace(email));
    return this.get(id);
  }

  async update(id: string, patch: UserPatch, actor: Actor): Promise<UserDetail> {
    const desired: Desired = {};
    if (patch.email !== undefined) desired.email = validEmail(patch.email);
    if (patch.firstName !== undefined) desired.firstName = cleanName(patch.firstName);
    if (patch.lastName !== undefined) desired.lastName = cleanName(patch.lastName);
    if (patch.tenantId !== undefined) desired.tenantId = patch.tenantId;
    if (patch.role !== undefined) desired.role = patch.role;
    const problem = patch.password !== undefined ? passwordProblem(patch.password) : null;
    if (problem) throw new AppError('VALIDATION_FAILED', problem);
    const hash = patch.password !== undefined ? await this.deps.hasher.hash(patch.password) : null;

    await this.deps.db
      .transaction(async (trx) => {
        const user = await lockedUser(this.deps, trx, id);
        const change = changeFor('user', id, user.fusionpbxUserUuid, user, desired);
        const owned = OWNED.filter((f) => change?.after[f] !== undefined);
        if (user.source === 'fusionpbx' && owned.length > 0) {
          throw new AppError('FIELD_OWNED_BY_FUSIONPBX', `user ${id} is synced: FusionPBX owns ${owned.join(', ')}; change ${owned.length > 1 ? 'them' : 'it'} in FusionPBX`);
        }
        if (change?.after.email && (await this.deps.users.emailTaken(trx, String(change.after.email), id))) {
          throw new AppError('EMAIL_TAKEN', `email ${change.after.email} is already used by another user`);
        }
        if (change?.after.tenantId) {
          if (!(await this.deps.tenants.get(trx, String(change.after.tenantId)))) throw new AppError('VALIDATION_FAILED', `tenantId: tenant ${change.after.tenantId} does not exist`);
          if ((await this.deps.extensions.ofUser(trx, id)).length > 0) throw new AppError('EXTENSION_NOT_IN_TENANT', `user ${id} holds extensions of its tenant: unassign them before moving it`);
          await requireAnotherAdmin(this.deps, trx, user, 'moved to another tenant');
        } else if (change?.after.role !== undefined) {
          await requireAnotherAdmin(this.deps, trx, user, 'demoted');
        }
        await writeChanges(this.deps, trx, change ? [change] : [], actor);
        if (hash) {
          await this.deps.users.setPasswordHash(trx, id, hash);
          await this.deps.changes.record(trx, { runId: null, domainUuid: null, actor }, [{ entity: 'user', action: 'updated', id, fusionpbxUuid: user.fusionpbxUserUuid, before: null, after: { passwordChanged: true }, applied: true }], []);
        }
      })
      .catch(emailRace(String(desired.email ?? '')));
    return this.get(id);
  }

  /**
   * The host application's login check: a wrong password, an unknown email and a disabled user
   * get the same answer, after the same work. An email (or an end-user address) with too many
   * failures is refused before any check, right password or not. Records the login on success,
   * and makes the hash again when it was made with weaker parameters than today's.
   */
  async verifyCredentials(email: string, password: string, clientAddress: string | null = null): Promise<UserDetail> {
    const normal = normalizeEmail(email).email;
    const key = normal ?? email.trim().toLowerCase();
    await this.deps.throttle.check(key, clientAddress).catch((error: unknown) => {
      this.deps.metrics.loginFailures.inc({ reason: 'throttled' });
      throw error;
    });
    const found = normal ? await this.deps.users.findForLogin(this.deps.db, normal) : null;
    const { ok, rehash } = await this.deps.hasher.verify(password, found?.passwordHash ?? null);
    if (!found || !ok || found.status !== 'enabled') {
      this.deps.metrics.loginFailures.inc({ reason: 'invalid' });
      await this.deps.throttle.failed(key, clientAddress);
      throw new AppError('INVALID_CREDENTIALS', 'the email or the password is wrong, or the user is disabled');
    }
    await this.deps.throttle.succeeded(key);
    if (rehash) await this.deps.users.setPasswordHash(this.deps.db, found.id, await this.deps.hasher.hash(password));
    await this.deps.users.recordLogin(this.deps.db, found.id);
    return this.get(found.id);
  }

  async activationLog(id: string, limit: number, afterId?: number): Promise<ActivationRecord[]> {
    await this.get(id);
    return this.deps.activationLog.forUser(this.deps.db, id, limit, afterId);
  }

  /** Lifts the exclusion of a FusionPBX user an admin deleted: the next sync recreates it. */
  async liftExclusion(fusionpbxUserUuid: string, actor: Actor): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const removed = await this.deps.exclusions.remove(trx, fusionpbxUserUuid);
      if (!removed) throw new AppError('NOT_FOUND', `FusionPBX user ${fusionpbxUserUuid} is not excluded`);
      const change = { entity: 'user' as const, action: 'updated' as const, id: removed.userId ?? fusionpbxUserUuid, fusionpbxUuid: fusionpbxUserUuid, before: { excluded: true }, after: { excluded: false }, applied: true };
      await this.deps.changes.record(trx, { runId: null, domainUuid: null, actor }, [change], []);
    });
  }

  /** Sync and admin changes to one user, side by side, oldest first. */
  async history(id: string, limit: number, afterId?: number): Promise<ChangeRecord[]> {
    return this.deps.changes.forUser(this.deps.db, id, limit, afterId);
  }
}

function validEmail(raw: string): string {
  const { email, warning } = normalizeEmail(raw);
  if (!email) throw new AppError('VALIDATION_FAILED', `email: ${warning ?? 'is required'}`);
  return email;
}

/** Two requests racing for one email: the deferred unique constraint fails the second at commit. */
function emailRace(email: string) {
  return (error: unknown): never => {
    if ((error as { code?: string; constraint?: string }).code === '23505' && (error as { constraint?: string }).constraint === 'users_email_key') {
      throw new AppError('EMAIL_TAKEN', `email ${email} is already used by another user`);
    }
    throw error;
  };
}
