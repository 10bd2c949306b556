import type { Problem, UpstreamExtension, UpstreamUser } from '../../sources/model.js';

export interface Owners {
  /** Extension uuid -> owning FusionPBX user uuid; null: no user; undefined: cannot tell this run. */
  ownerOf: Map<string, string | null | undefined>;
  /** FusionPBX user uuid -> the extensions it owns, by number. */
  ownedBy: Map<string, UpstreamExtension[]>;
  problems: Problem[];
}

/**
 * FusionPBX links extensions and users many-to-many with no primary. An extension goes to its
 * lowest linked user_uuid (users an admin deleted here do not count); every other link is a conflict.
 */
export function resolveOwners(
  extensions: UpstreamExtension[],
  users: UpstreamUser[],
  unreadableUserUuids: ReadonlySet<string>,
  excluded: ReadonlySet<string>,
): Owners {
  const inDomain = new Set(users.map((u) => u.uuid));
  const ownerOf = new Map<string, string | null | undefined>();
  const ownedBy = new Map<string, UpstreamExtension[]>();
  const problems: Problem[] = [];

  for (const ext of [...extensions].sort((a, b) => cmp(a.uuid, b.uuid))) {
    if (ext.userUuids === undefined) {
      ownerOf.set(ext.uuid, undefined);
      continue;
    }
    const outside = ext.userUuids.filter((u) => !inDomain.has(u) && !unreadableUserUuids.has(u) && !excluded.has(u));
    for (const uuid of outside) {
      problems.push(problem('warning', ext, 'EXTENSION_LINK_OUTSIDE_DOMAIN', `extension ${ext.number} is linked to user ${uuid} of another domain; link ignored`));
    }
    const linked = ext.userUuids.filter((u) => (inDomain.has(u) || unreadableUserUuids.has(u)) && !excluded.has(u));
    const owner = linked[0];
    if (owner !== undefined && unreadableUserUuids.has(owner)) {
      ownerOf.set(ext.uuid, undefined);
      continue;
    }
    ownerOf.set(ext.uuid, owner ?? null);
    if (owner === undefined) continue;
    const list = ownedBy.get(owner);
    if (list) list.push(ext);
    else ownedBy.set(owner, [ext]);
    if (linked.length > 1) {
      problems.push(
        problem('conflict', ext, 'EXTENSION_SHARED', `extension ${ext.number} is linked to ${linked.length} users; it goes to ${owner} (lowest user_uuid), not to ${linked.slice(1).join(', ')}`),
      );
    }
  }
  for (const list of ownedBy.values()) list.sort((a, b) => cmp(a.number, b.number) || cmp(a.uuid, b.uuid));
  return { ownerOf, ownedBy, problems };
}

function problem(kind: Problem['kind'], ext: UpstreamExtension, code: string, message: string): Problem {
  return { kind, entity: 'extension', fusionpbxUuid: ext.uuid, code, message };
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
