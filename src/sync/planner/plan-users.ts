import type { DomainSnapshot, Role, UpstreamExtension, UpstreamUser } from '../../sources/model.js';
import type { Change, User } from '../../store/types.js';
import { changeFor } from './changes.js';
import type { Desired } from './field-diff.js';
import type { MatchResult } from './match-users.js';
import type { PlanInput } from './plan-types.js';
import { desiredStatus, syncDisableReason, type DomainState } from './status-rules.js';

export interface UserPlan {
  changes: Change[];
  /** FusionPBX user uuid -> store user id, for the extension links. */
  idOf: Map<string, string>;
  unchanged: number;
}

/**
 * The store row each matched FusionPBX user should have (FusionPBX owns email, names, tenant and
 * links; the role follows a change of FusionPBX's groups), the disables of users gone upstream,
 * and the release of emails other synced users no longer own.
 */
export function planUsers(input: PlanInput, tenantId: string | null, domain: DomainState, match: MatchResult, ownedBy: Map<string, UpstreamExtension[]>): UserPlan {
  const { snapshot, store } = input;
  const plan: UserPlan = { changes: [], idOf: new Map(), unchanged: 0 };
  const desiredEmail = new Map<string, string | null | undefined>();
  const add = (change: Change | null) => (change ? plan.changes.push(change) : plan.unchanged++);

  for (const m of match.matches) {
    const id = m.current?.id ?? input.newId();
    plan.idOf.set(m.upstream.uuid, id);
    const [firstName, lastName] = names(m.upstream, ownedBy.get(m.upstream.uuid)?.[0]);
    const [newRole, upstreamRole] = role(m.current, input.roleFor(m.upstream.groups));
    const desired: Desired = {
      id: m.current ? undefined : id,
      tenantId: tenantId ?? undefined,
      email: m.email,
      firstName,
      lastName,
      role: newRole,
      upstreamRole,
      source: 'fusionpbx',
      fusionpbxUserUuid: m.upstream.uuid,
      fusionpbxDomainUuid: m.upstream.domainUuid,
      username: m.upstream.username,
    };
    Object.assign(desired, desiredStatus(m.current, syncDisableReason(domain, { found: true, enabled: m.upstream.enabled })));
    desiredEmail.set(id, m.email);
    add(changeFor('user', id, m.upstream.uuid, m.current, desired));
  }

  const domainUuid = snapshot.state === 'absent' ? snapshot.domainUuid : snapshot.domain.uuid;
  const seen = snapshotUserUuids(snapshot);
  for (const user of store.users) {
    if (user.source !== 'fusionpbx' || user.fusionpbxDomainUuid !== domainUuid) continue;
    if (seen.has(user.fusionpbxUserUuid!) || match.unresolved.has(user.fusionpbxUserUuid!)) continue;
    add(changeFor('user', user.id, user.fusionpbxUserUuid, user, desiredStatus(user, syncDisableReason(domain, { found: false }))));
  }

  for (const { holder, email } of match.releases) {
    const planned = desiredEmail.get(holder.id);
    if (planned !== undefined && planned !== email) continue; // it moves to another address in this plan
    const change = changeFor('user', holder.id, holder.fusionpbxUserUuid, holder, { email: null });
    if (change) plan.changes.push(change);
  }
  return plan;
}

/** Uuids the source reported for this domain, readable or not: none of them counts as removed. */
function snapshotUserUuids(snapshot: DomainSnapshot): Set<string> {
  if (snapshot.state !== 'present') return new Set();
  return new Set([...snapshot.users.map((u) => u.uuid), ...snapshot.unreadableUserUuids]);
}

type Pair<T> = [T | undefined, T | undefined];

/** [first, last]: the contact's names, else the directory names of the user's first extension; undefined keeps the store's. */
function names(user: UpstreamUser, firstExtension: UpstreamExtension | undefined): Pair<string | null> {
  const contactKnown = user.firstName !== undefined || user.lastName !== undefined;
  if (contactKnown && (user.firstName || user.lastName)) return [user.firstName ?? null, user.lastName ?? null];
  const extensionKnown = firstExtension && (firstExtension.firstName !== undefined || firstExtension.lastName !== undefined);
  if (extensionKnown && (firstExtension.firstName || firstExtension.lastName || !contactKnown)) {
    return [firstExtension.firstName ?? null, firstExtension.lastName ?? null];
  }
  return contactKnown ? [null, null] : [undefined, undefined];
}

/**
 * The role is local once set, but a change of the user's FusionPBX groups overrides it. A manual
 * user being linked keeps its role; FusionPBX's groups are only remembered.
 */
function role(current: User | null, upstream: Role | undefined): Pair<Role | null> {
  if (current === null) return [upstream ?? 'user', upstream ?? null];
  if (upstream === undefined || upstream === current.upstreamRole) return [undefined, undefined];
  if (current.source === 'manual') return [undefined, upstream];
  return [upstream, upstream];
}
