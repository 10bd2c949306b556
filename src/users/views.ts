import type { ActivationRecord } from '../store/activation-log-store.js';
import type { TenantView } from '../store/tenant-store.js';
import type { Extension } from '../store/types.js';
import type { UserDetail } from '../store/user-store.js';

/** Store records as the API shows them (the response schemas then drop anything else). */

export function userView(u: UserDetail) {
  return {
    id: u.id,
    email: u.email,
    firstName: u.firstName,
    lastName: u.lastName,
    tenantId: u.tenantId,
    role: u.role,
    status: u.status,
    disabledBy: u.disabledBy,
    disabledReason: u.disabledReason,
    disabledUntil: u.disabledUntil,
    source: u.source,
    fusionpbxUserUuid: u.fusionpbxUserUuid,
    username: u.username,
    extensions: u.extensions,
    lastLoginAt: u.lastLoginAt,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  };
}

export function extensionView(e: Extension) {
  return {
    id: e.id,
    tenantId: e.tenantId,
    number: e.number,
    numberAlias: e.numberAlias,
    callerIdName: e.callerIdName,
    firstName: e.firstName,
    lastName: e.lastName,
    userId: e.userId,
    enabled: e.enabled,
    present: e.present,
    linkSource: e.linkSource,
    fusionpbxExtensionUuid: e.fusionpbxExtensionUuid,
  };
}

export function tenantView(t: TenantView) {
  return {
    id: t.id,
    name: t.name,
    enabled: t.enabled,
    fusionpbxDomainUuid: t.fusionpbxDomainUuids.length === 1 ? t.fusionpbxDomainUuids[0]! : null,
    fusionpbxDomainUuids: t.fusionpbxDomainUuids,
    syncKey: t.syncKey,
  };
}

export function activationView(a: ActivationRecord) {
  return { action: a.action, reason: a.reason, until: a.until, actor: a.actor, runId: a.runId, at: a.createdAt };
}
