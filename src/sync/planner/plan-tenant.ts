import type { Change, Domain } from '../../store/types.js';
import { changeFor } from './changes.js';
import type { PlanInput } from './plan-types.js';

export interface TenantPlan {
  /** The tenant the domain's users and extensions belong to (null for a removed domain the store never saw). */
  tenantId: string | null;
  domainEnabled: boolean;
  changes: Change[];
}

/**
 * Domain -> tenant. Keyed by the tenant's sync key, never by name, so a renamed domain renames its
 * tenant. A tenant is enabled while any of its domains is.
 */
export function planTenant(input: PlanInput): TenantPlan {
  const { snapshot, store, target } = input;
  const uuid = snapshot.state === 'absent' ? snapshot.domainUuid : snapshot.domain.uuid;
  const currentDomain = store.domains.find((d) => d.fusionpbxDomainUuid === uuid) ?? null;

  if (snapshot.state === 'absent') {
    if (!currentDomain || !store.tenant) return { tenantId: currentDomain?.tenantId ?? null, domainEnabled: false, changes: [] };
    const changes = compact([
      changeFor('domain', uuid, uuid, currentDomain, { present: false, enabled: false }),
      tenantEnabledChange(input, store.tenant.id, false),
    ]);
    return { tenantId: store.tenant.id, domainEnabled: false, changes };
  }

  if (!target) throw new Error(`domain ${uuid} has no tenant target`);
  const domain = snapshot.domain;
  const tenantId = store.tenant?.id ?? input.newId();
  const enabled = domain.enabled || otherDomains(store.domains, tenantId, uuid).some((d) => d.present && d.enabled);
  const changes = compact([
    changeFor('tenant', tenantId, null, store.tenant, { id: tenantId, name: target.name, enabled, syncKey: target.syncKey }),
    changeFor('domain', uuid, uuid, currentDomain, {
      fusionpbxDomainUuid: uuid,
      tenantId,
      name: domain.name,
      enabled: domain.enabled,
      present: true,
    }),
  ]);
  return { tenantId, domainEnabled: domain.enabled, changes };
}

function tenantEnabledChange(input: PlanInput, tenantId: string, thisDomainEnabled: boolean): Change | null {
  const uuid = input.snapshot.state === 'absent' ? input.snapshot.domainUuid : input.snapshot.domain.uuid;
  const enabled = thisDomainEnabled || otherDomains(input.store.domains, tenantId, uuid).some((d) => d.present && d.enabled);
  return changeFor('tenant', tenantId, null, input.store.tenant, { enabled });
}

function otherDomains(domains: Domain[], tenantId: string, uuid: string): Domain[] {
  return domains.filter((d) => d.tenantId === tenantId && d.fusionpbxDomainUuid !== uuid);
}

function compact<T>(items: Array<T | null>): T[] {
  return items.filter((x): x is T => x !== null);
}
