import type { ChangeAction, Entity, Role } from '../common/vocabulary.js';

/** The users store's model (camelCase). Rows are snake_case; `tables.ts` maps between the two. */

export type UserStatus = 'enabled' | 'disabled';
export type UserSource = 'manual' | 'fusionpbx';

export interface Tenant {
  id: string;
  name: string;
  enabled: boolean;
  /** `domain:<uuid>` or `mapping:<key>` for tenants the sync owns. */
  syncKey: string | null;
}

export interface Domain {
  fusionpbxDomainUuid: string;
  tenantId: string;
  name: string;
  enabled: boolean;
  /** False once the domain has gone from FusionPBX. */
  present: boolean;
}

export interface User {
  id: string;
  tenantId: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  role: Role;
  status: UserStatus;
  disabledBy: 'sync' | 'admin' | null;
  disabledReason: string | null;
  disabledUntil: string | null;
  source: UserSource;
  fusionpbxUserUuid: string | null;
  fusionpbxDomainUuid: string | null;
  username: string | null;
  /** The role FusionPBX's groups gave at the last sync; a change upstream overrides a local edit. */
  upstreamRole: Role | null;
}

export interface Extension {
  id: string;
  tenantId: string;
  fusionpbxExtensionUuid: string;
  fusionpbxDomainUuid: string;
  number: string;
  numberAlias: string | null;
  callerIdName: string | null;
  firstName: string | null;
  lastName: string | null;
  userContext: string | null;
  enabled: boolean;
  present: boolean;
  userId: string | null;
  /** Who made the link: the sync (FusionPBX owns it) or an admin (kept while FusionPBX has none). */
  linkSource: 'sync' | 'admin' | null;
}

export type EntityName = Entity;
export type { ChangeAction };

/** A value a change can carry: plain JSON. */
export type FieldValue = string | number | boolean | null;
export type Fields = Record<string, FieldValue>;

/**
 * One change to one store object. `before`/`after` hold only the fields that change (all fields
 * for a create), so the change log shows exactly what moved and a stored plan can be re-applied
 * later with a check that the row still holds `before`.
 */
export interface Change {
  entity: EntityName;
  action: ChangeAction;
  id: string;
  fusionpbxUuid: string | null;
  before: Fields | null;
  after: Fields;
}

/** One step of a one-user run, as GET /v1/sync/runs/:id shows it (`trace`). */
export interface TraceStep {
  step: string;
  outcome: string;
  detail: string;
}

/** What the store holds that one domain's plan can touch or must look at. */
export interface StoreSnapshot {
  /** The tenant the domain maps to (or, for a removed domain, the tenant it had). */
  tenant: Tenant | null;
  /** This domain's row and the rows of the other domains of the same tenant. */
  domains: Domain[];
  /** Users of the domain, manual users of the tenant, and every user holding one of the domain's uuids or emails. */
  users: User[];
  /** Extensions of the domain and any holding one of its extension uuids. */
  extensions: Extension[];
  /** FusionPBX users an admin deleted: never recreated. */
  excludedUserUuids: string[];
}
