/** Words every part shares: sources, the store, the planner and the API speak of these the same way. */

export const ROLES = ['user', 'admin', 'superadmin'] as const;
export type Role = (typeof ROLES)[number];

export type Entity = 'tenant' | 'domain' | 'user' | 'extension';
export type ProblemKind = 'conflict' | 'error' | 'warning';
export type ChangeAction = 'created' | 'updated' | 'linked' | 'enabled' | 'disabled' | 'deleted';

/** A per-object conflict, error or warning, recorded on a run; never a reason to abort it. */
export interface Problem {
  kind: ProblemKind;
  entity: Entity;
  fusionpbxUuid: string | null;
  code: string;
  message: string;
}

export type CountKey = Exclude<ChangeAction, 'deleted'> | 'unchanged' | ProblemKind;
export type CountGroup = 'tenants' | 'domains' | 'users' | 'extensions';
/** `{"users": {"created": 3, "conflict": 1}, ...}`: absent keys are 0. */
export type Counts = Partial<Record<CountGroup, Partial<Record<CountKey, number>>>>;

/**
 * Who made a change: an admin token's label, `sync` or `schedule`; for an admin request, the
 * client address it came from as well (recorded with the change).
 */
export interface Actor {
  name: string;
  address: string | null;
}

export const SYNC_ACTOR: Actor = { name: 'sync', address: null };
export const SCHEDULE_ACTOR: Actor = { name: 'schedule', address: null };

/** An extension to look for in live calls: where FreeSWITCH knows it by presence id. */
export interface CallTarget {
  extensionId: string;
  fusionpbxDomainUuid: string;
  number: string;
  numberAlias: string | null;
  domainName: string;
  userContext: string | null;
}
