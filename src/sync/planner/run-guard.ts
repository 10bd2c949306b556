import { disableLimit, type MaxDisable } from '../../config/max-disable.js';
import type { Census } from '../../sources/model.js';
import type { User } from '../../store/types.js';
import { syncDisableReason, wouldDisable, type DomainState } from './status-rules.js';

export interface GuardInput {
  census: Census;
  /** Synced users of the store within the run's scope. */
  storeUsers: Array<Pick<User, 'fusionpbxUserUuid' | 'fusionpbxDomainUuid' | 'status'>>;
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

/**
 * The run-wide safety check, made before anything is applied: an upstream that suddenly returns
 * nothing, or a run that would disable more users than SYNC_MAX_DISABLE allows, is quarantined.
 * It counts disables with the planner's own rule (`syncDisableReason`).
 */
export function guardRun(input: GuardInput): GuardResult {
  const { census } = input;
  const domains = new Map(census.domains.map((d) => [d.uuid, d]));
  const unknown = new Set(census.unknownDomainUuids);
  const upstream = new Map(census.users.map((u) => [u.uuid, u]));

  let projected = 0;
  let visibleEnabled = 0;
  for (const user of input.storeUsers) {
    const domainUuid = user.fusionpbxDomainUuid ?? '';
    const domain = domains.get(domainUuid);
    const state: DomainState = unknown.has(domainUuid)
      ? { state: 'unknown', enabled: domain?.enabled ?? false }
      : domain
        ? { state: 'present', enabled: domain.enabled }
        : { state: 'absent', enabled: false };
    const found = upstream.get(user.fusionpbxUserUuid ?? '');
    const reason = syncDisableReason(state, found ? { found: true, enabled: found.enabled } : { found: false });
    if (wouldDisable(user, reason)) projected++;
    if (user.status === 'enabled' && state.state !== 'unknown') visibleEnabled++;
  }

  const limit = disableLimit(input.maxDisable, input.storeUsers.length, input.floor);
  let reason: string | null = null;
  const empty = input.emptyIsSuspicious ?? true;
  if (empty && census.domains.length === 0 && input.storeDomains > 0) {
    reason = `the source returned no domains while the store has ${input.storeDomains}`;
  } else if (empty && census.users.length === 0 && visibleEnabled > 0) {
    reason = `the source returned no users while the store has ${visibleEnabled} enabled synced users`;
  } else if (projected > limit) {
    const max = input.maxDisable.kind === 'count' ? `${input.maxDisable.value}` : `${input.maxDisable.value}% of ${input.storeUsers.length}`;
    reason = `the run would disable ${projected} users, more than SYNC_MAX_DISABLE allows (${max}, limit ${limit})`;
  }
  return { quarantineReason: reason, projectedDisables: projected, limit };
}
