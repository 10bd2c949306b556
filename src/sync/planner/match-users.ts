import type { Problem, UpstreamUser } from '../../sources/model.js';
import type { Extension, User } from '../../store/types.js';
import { cmp, type Owners } from './extension-owners.js';
import type { MatchRule, RunFacts } from './plan-types.js';

export interface UserMatch {
  upstream: UpstreamUser;
  rule: MatchRule;
  /** The store user it becomes; null: a new user is created. */
  current: User | null;
  /** The email to hold after claims and conflicts; undefined: unknown to the source, keep the store's. */
  email: string | null | undefined;
}

export interface MatchResult {
  matches: UserMatch[];
  /** FusionPBX users left untouched this run because their match is contradictory. */
  unresolved: Set<string>;
  /** Synced users (of other FusionPBX users) currently holding an email a user here now owns. */
  releases: Array<{ holder: User; email: string }>;
  problems: Problem[];
}

interface Indexes {
  byFusionpbxUuid: Map<string, User>;
  byEmail: Map<string, User>;
  byId: Map<string, User>;
  extensionByUuid: Map<string, Extension>;
}

/**
 * Matches each FusionPBX user to a store user, first hit wins: (1) the linked user_uuid,
 * (2) the email, within the tenant, (3) an extension number a manual user of the tenant holds.
 * A contradiction (email -> A, extension -> B) is a conflict: never merged, the user is left
 * alone this run. Users are taken in user_uuid order so the outcome is deterministic.
 */
export function matchUsers(
  users: UpstreamUser[],
  owners: Owners,
  tenantId: string,
  storeUsers: User[],
  storeExtensions: Extension[],
  excluded: ReadonlySet<string>,
  run: RunFacts,
): MatchResult {
  const ix = indexes(storeUsers, storeExtensions);
  const unknownDomains = new Set(run.unknownDomainUuids);
  const result: MatchResult = { matches: [], unresolved: new Set(), releases: [], problems: [] };
  const claimed = new Set<string>();
  const conflict = (user: UpstreamUser, code: string, message: string) => addConflict(result, user, code, message);

  for (const user of [...users].sort((a, b) => cmp(a.uuid, b.uuid))) {
    if (excluded.has(user.uuid)) continue;
    const byUuid = ix.byFusionpbxUuid.get(user.uuid);
    const { email, byEmail } = claimEmail(user, byUuid, tenantId, ix, run, unknownDomains, result);
    if (byUuid) {
      result.matches.push({ upstream: user, rule: 'uuid', current: byUuid, email });
      continue;
    }
    const byExtension = manualHoldersOf(user, owners, tenantId, ix);
    const candidates = [...new Map([byEmail, ...byExtension].filter((u): u is User => !!u).map((u) => [u.id, u])).values()];
    if (candidates.length > 1) {
      conflict(user, 'MATCH_CONTRADICTION', `email and extension point to different users (${candidates.map((c) => c.id).join(', ')}); left unchanged`);
      result.unresolved.add(user.uuid);
      dropRelease(result, email);
      continue;
    }
    const match = candidates[0];
    if (match && claimed.has(match.id)) {
      conflict(user, 'MATCH_TAKEN', `user ${match.id} is already linked to another FusionPBX user in this run; left unchanged`);
      result.unresolved.add(user.uuid);
      dropRelease(result, email);
      continue;
    }
    if (match) claimed.add(match.id);
    result.matches.push({ upstream: user, rule: !match ? 'new' : match === byEmail ? 'email' : 'extension', current: match ?? null, email });
  }
  return result;
}

/**
 * The email a FusionPBX user may take: not one another FusionPBX user wins upstream, not one a
 * manual user of another tenant (or a user of an unreadable domain) holds. A manual user of the
 * tenant holding it is a match; a synced user holding it gives it up (a release).
 */
function claimEmail(
  user: UpstreamUser,
  byUuid: User | undefined,
  tenantId: string,
  ix: ReturnType<typeof indexes>,
  run: RunFacts,
  unknownDomains: ReadonlySet<string>,
  result: MatchResult,
): { email: string | null | undefined; byEmail: User | undefined } {
  let email = user.email;
  if (email && run.emailWinners[email] !== undefined && run.emailWinners[email] !== user.uuid) {
    addConflict(result, user, 'EMAIL_DUPLICATE_UPSTREAM', `email ${email} is also used by FusionPBX user ${run.emailWinners[email]}, which keeps it; synced without an email`);
    return { email: null, byEmail: undefined };
  }
  const holder = email ? ix.byEmail.get(email) : undefined;
  if (!email || !holder || holder.id === byUuid?.id) return { email, byEmail: undefined };
  if (holder.source === 'manual' && holder.tenantId === tenantId && !byUuid) return { email, byEmail: holder };
  if (holder.source === 'manual') {
    addConflict(result, user, 'EMAIL_TAKEN', `email ${email} belongs to another user (${holder.id}${holder.tenantId === tenantId ? '' : ', another tenant'}); synced without an email`);
    email = null;
  } else if (holder.fusionpbxDomainUuid && unknownDomains.has(holder.fusionpbxDomainUuid)) {
    addConflict(result, user, 'EMAIL_TAKEN', `email ${email} is held by a user of a domain the source could not read this run; synced without an email`);
    email = null;
  } else result.releases.push({ holder, email });
  return { email, byEmail: undefined };
}

function addConflict(result: MatchResult, user: UpstreamUser, code: string, message: string): void {
  result.problems.push({ kind: 'conflict', entity: 'user', fusionpbxUuid: user.uuid, code, message });
}

function dropRelease(result: MatchResult, email: string | null | undefined): void {
  if (email) result.releases = result.releases.filter((r) => r.email !== email);
}

/** Manual users of the tenant already holding one of the extensions this FusionPBX user owns. */
function manualHoldersOf(user: UpstreamUser, owners: Owners, tenantId: string, ix: Indexes): User[] {
  const holders: User[] = [];
  for (const ext of owners.ownedBy.get(user.uuid) ?? []) {
    const stored = ix.extensionByUuid.get(ext.uuid);
    const holder = stored?.userId ? ix.byId.get(stored.userId) : undefined;
    if (holder && holder.source === 'manual' && holder.tenantId === tenantId) holders.push(holder);
  }
  return holders;
}

function indexes(users: User[], extensions: Extension[]): Indexes {
  const ix: Indexes = { byFusionpbxUuid: new Map(), byEmail: new Map(), byId: new Map(), extensionByUuid: new Map() };
  for (const u of users) {
    ix.byId.set(u.id, u);
    if (u.fusionpbxUserUuid) ix.byFusionpbxUuid.set(u.fusionpbxUserUuid, u);
    if (u.email) ix.byEmail.set(u.email, u);
  }
  for (const e of extensions) ix.extensionByUuid.set(e.fusionpbxExtensionUuid, e);
  return ix;
}
