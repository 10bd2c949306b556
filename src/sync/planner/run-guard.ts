import { disableLimit, type MaxDisable } from '../../config/max-disable.js';
import type { Census, CensusUser, UpstreamDomain } from '../../sources/model.js';
import type { User } from '../../store/types.js';
import { syncDisableReason, wouldDisable, type DomainState } from './status-rules.js';

type StoreUser = Pick<User, 'fusionpbxUserUuid' | 'fusionpbxDomainUuid' | 'status'>;

export interface GuardInput {
  census: Census;
  /** Synced users of the store within the run's scope. */
  storeUsers: StoreUser[];
  /** Synced domains the store holds as present within the run's scope. */
  storeDomains: number;
  maxDisable: MaxDisable;
  floor: number;
  /** Whether a source returning no users (or domains) where the store has some is suspicious; not for a one-user run. */
  emptyIsSuspicious?: boolean;
}

export interface GuardResult {
  quarantineReason: string | null;
  projectedDisables: number;
  limit: number;
}

/** What the guard counts over the store's synced users, page by page if need be. */
export interface GuardTally {
  storeUsers: number;
  projected: number;
  visibleEnabled: number;
}

export const emptyTally = (): GuardTally => ({ storeUsers: 0, projected: 0, visibleEnabled: 0 });

/**
 * Counts some of the store's synced users into the tally, each against FusionPBX as the run sees
 * it (the upstream users given must include every one of these users FusionPBX still has), with
 * the planner's own disable rule (`syncDisableReason`).
 */
export function tallyUsers(tally: GuardTally, storeUsers: StoreUser[], upstream: ReadonlyMap<string, Pick<CensusUser, 'enabled'>>, domains: ReadonlyMap<string, UpstreamDomain>, unknown: ReadonlySet<string>): GuardTally {
  for (const user of storeUsers) {
    const domainUuid = user.fusionpbxDomainUuid ?? '';
    const domain = domains.get(domainUuid);
    const state: DomainState = unknown.has(domainUuid)
      ? { state: 'unknown', enabled: domain?.enabled ?? false }
      : domain
        ? { state: 'present', enabled: domain.enabled }
        : { state: 'absent', enabled: false };
    const found = upstream.get(user.fusionpbxUserUuid ?? '');
    const reason = syncDisableReason(state, found ? { found: true, enabled: found.enabled } : { found: false });
    if (wouldDisable(user, reason)) tally.projected++;
    if (user.status === 'enabled' && state.state !== 'unknown') tally.visibleEnabled++;
    tally.storeUsers++;
  }
  return tally;
}

/**
 * The run-wide safety verdict, made before anything is applied: an upstream that suddenly returns
 * nothing, or a run that would disable more users than SYNC_MAX_DISABLE allows, is quarantined.
 */
export function guardVerdict(
  tally: GuardTally,
  run: { upstreamDomains: number; upstreamUsers: number; storeDomains: number; maxDisable: MaxDisable; floor: number; emptyIsSuspicious?: boolean },
): GuardResult {
  const limit = disableLimit(run.maxDisable, tally.storeUsers, run.floor);
  const empty = run.emptyIsSuspicious ?? true;
  let reason: string | null = null;
  if (empty && run.upstreamDomains === 0 && run.storeDomains > 0) {
    reason = `the source returned no domains while the store has ${run.storeDomains}`;
  } else if (empty && run.upstreamUsers === 0 && tally.visibleEnabled > 0) {
    reason = `the source returned no users while the store has ${tally.visibleEnabled} enabled synced users`;
  } else if (tally.projected > limit) {
    const max = run.maxDisable.kind === 'count' ? `${run.maxDisable.value}` : `${run.maxDisable.value}% of ${tally.storeUsers}`;
    reason = `the run would disable ${tally.projected} users, more than SYNC_MAX_DISABLE allows (${max}, limit ${limit})`;
  }
  return { quarantineReason: reason, projectedDisables: tally.projected, limit };
}

/** The guard over a census and store users held in memory (runs of some domains, and sources that read only so). */
export function guardRun(input: GuardInput): GuardResult {
  const { census } = input;
  const tally = tallyUsers(emptyTally(), input.storeUsers, new Map(census.users.map((u) => [u.uuid, u])), new Map(census.domains.map((d) => [d.uuid, d])), new Set(census.unknownDomainUuids));
  return guardVerdict(tally, { upstreamDomains: census.domains.length, upstreamUsers: census.users.length, storeDomains: input.storeDomains, maxDisable: input.maxDisable, floor: input.floor, emptyIsSuspicious: input.emptyIsSuspicious });
}
