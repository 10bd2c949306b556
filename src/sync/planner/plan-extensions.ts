import type { Change, Extension } from '../../store/types.js';
import { changeFor } from './changes.js';
import type { Desired } from './field-diff.js';
import type { MatchResult } from './match-users.js';
import type { Owners } from './extension-owners.js';
import type { PlanInput } from './plan-types.js';
import type { DomainState } from './status-rules.js';

export interface ExtensionPlan {
  changes: Change[];
  unchanged: number;
}

/**
 * Every extension is synced, assigned or not. It is enabled only while it and its domain are.
 * FusionPBX owns its link; a link an admin made stays while FusionPBX has none. An extension gone
 * upstream is kept, disabled and unlinked.
 */
export function planExtensions(
  input: PlanInput,
  tenantId: string | null,
  domain: DomainState,
  owners: Owners,
  match: MatchResult,
  idOf: Map<string, string>,
): ExtensionPlan {
  const { snapshot, store } = input;
  const plan: ExtensionPlan = { changes: [], unchanged: 0 };
  const add = (change: Change | null) => (change ? plan.changes.push(change) : plan.unchanged++);
  const byUuid = new Map(store.extensions.map((e) => [e.fusionpbxExtensionUuid, e]));
  const domainUuid = snapshot.state === 'absent' ? snapshot.domainUuid : snapshot.domain.uuid;

  if (snapshot.state === 'present') {
    for (const ext of snapshot.extensions) {
      const current = byUuid.get(ext.uuid) ?? null;
      const id = current?.id ?? input.newId();
      const [userId, linkSource] = link(current, owners.ownerOf.get(ext.uuid), match, idOf);
      const desired: Desired = {
        id: current ? undefined : id,
        fusionpbxExtensionUuid: current ? undefined : ext.uuid,
        tenantId: tenantId ?? undefined,
        fusionpbxDomainUuid: ext.domainUuid,
        number: ext.number,
        numberAlias: ext.numberAlias,
        callerIdName: ext.callerIdName,
        firstName: ext.firstName,
        lastName: ext.lastName,
        userContext: ext.userContext,
        enabled: ext.enabled && domain.enabled,
        present: true,
        userId,
        linkSource,
      };
      add(changeFor('extension', id, ext.uuid, current, desired));
    }
  }

  const seen = snapshot.state === 'present' ? new Set([...snapshot.extensions.map((e) => e.uuid), ...snapshot.unreadableExtensionUuids]) : null;
  for (const current of store.extensions) {
    if (current.fusionpbxDomainUuid !== domainUuid || seen?.has(current.fusionpbxExtensionUuid)) continue;
    add(changeFor('extension', current.id, current.fusionpbxExtensionUuid, current, outOfSight(current, domain)));
  }
  return plan;
}

/** An extension of this domain the snapshot does not list: removed upstream, or unknown this run. */
function outOfSight(current: Extension, domain: DomainState): Desired {
  if (domain.state === 'unknown') return domain.enabled ? {} : { enabled: false };
  if (!current.present) return {};
  return { present: false, enabled: false, userId: null, linkSource: null };
}

/** The link [userId, linkSource] the extension should have; undefined keeps the store's. */
function link(current: Extension | null, owner: string | null | undefined, match: MatchResult, idOf: Map<string, string>): [string | null | undefined, 'sync' | null | undefined] {
  if (owner === undefined || (owner !== null && match.unresolved.has(owner))) return current ? [undefined, undefined] : [null, null];
  if (owner !== null) return [idOf.get(owner) ?? null, idOf.has(owner) ? 'sync' : null];
  if (current?.linkSource === 'admin') return [undefined, undefined];
  return [null, null];
}
