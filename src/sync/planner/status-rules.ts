import type { User } from '../../store/types.js';
import type { Desired } from './field-diff.js';

export const REASON = {
  removed: 'removed from FusionPBX',
  disabled: 'disabled in FusionPBX',
  domainDisabled: 'domain disabled in FusionPBX',
  domainRemoved: 'domain removed from FusionPBX',
} as const;

export interface DomainState {
  state: 'present' | 'absent' | 'unknown';
  enabled: boolean;
}

/**
 * Why the sync wants a synced user disabled. `null`: nothing upstream says so. `undefined`: the
 * source cannot see this user this run (its domain's lists were refused), so nothing changes.
 * Shared by the planner and by the run's safety guard, so both count the same disables.
 */
export function syncDisableReason(domain: DomainState, user: { found: false } | { found: true; enabled: boolean }): string | null | undefined {
  if (domain.state === 'absent') return REASON.domainRemoved;
  if (!domain.enabled) return REASON.domainDisabled;
  if (domain.state === 'unknown') return undefined;
  if (!user.found) return REASON.removed;
  return user.enabled ? null : REASON.disabled;
}

/**
 * The status fields the sync wants for a user, given its reason. A user an admin disabled stays
 * disabled; a user the sync disabled comes back when the reason goes.
 */
export function desiredStatus(current: User | null, reason: string | null | undefined): Desired {
  const disable = { status: 'disabled', disabledBy: 'sync', disabledReason: reason ?? null, disabledUntil: null };
  const enable = { status: 'enabled', disabledBy: null, disabledReason: null, disabledUntil: null };
  if (reason === undefined) return {};
  if (current === null) return reason ? disable : enable;
  if (reason) {
    if (current.status === 'enabled') return disable;
    if (current.disabledBy === 'sync') return { disabledReason: reason };
    return {};
  }
  return current.status === 'disabled' && current.disabledBy === 'sync' ? enable : {};
}

/** Whether applying `reason` to this user would disable it (what the safety threshold counts). */
export function wouldDisable(current: Pick<User, 'status'>, reason: string | null | undefined): boolean {
  return typeof reason === 'string' && current.status === 'enabled';
}
