import type { Db } from '../common/postgres.js';
import type { DomainMapping } from '../config/mapping-file.js';
import type { MaxDisable } from '../config/max-disable.js';
import type { CensusUser, UpstreamDomain } from '../sources/model.js';
import type { FusionpbxSource } from '../sources/source.js';
import type { ScopeStore } from '../store/scope-store.js';
import { emptyTally, guardRun, guardVerdict, tallyUsers, type GuardResult } from './planner/run-guard.js';

export interface FactsDeps {
  db: Db;
  source: FusionpbxSource;
  scope: ScopeStore;
  mapping: DomainMapping;
  maxDisable: MaxDisable;
  maxDisableFloor: number;
}

/** What a run decides from before any domain: the domains, the safety verdict, the email claimants. */
export interface ScopeFacts {
  /** FusionPBX's domains in the run's scope, excluded ones left out. */
  domains: UpstreamDomain[];
  unknownDomainUuids: string[];
  excluded: Set<string>;
  guard: GuardResult;
  /** The FusionPBX users whose emails the run's claims must weigh (every contested one, maybe more). */
  claimants: CensusUser[];
}

type StoreDomain = { uuid: string; name: string; present: boolean };

/** Users of the store read at a time by a whole-platform run: memory stays the same at any size. */
const PAGE = 10_000;

/**
 * The run's facts. A run of every domain from a source that can page (the database) never holds
 * every user: the guard walks the store's synced users a page at a time against the same uuid range
 * of FusionPBX's users, the empty-source check counts users per domain, and the claims read only
 * the users whose email another user also claims. A run of some domains, or from the REST app,
 * reads its census in one go (it is that run's size, or the only way the source lists).
 */
export async function readScopeFacts(deps: FactsDeps, run: { scopeUserUuid: string | null }, scope: string[] | null, storeDomains: StoreDomain[], pageSize = PAGE): Promise<ScopeFacts> {
  const { source } = deps;
  if (!scope && source.usersBetween && source.userCounts && source.contestedClaimants) {
    const [domains, counts, claimants] = await Promise.all([source.listDomains(), source.userCounts(), source.contestedClaimants()]);
    const excluded = excludedOf(deps, domains, storeDomains);
    const kept = domains.filter((d) => !excluded.has(d.uuid));
    const byUuid = new Map(kept.map((d) => [d.uuid, d]));
    const tally = emptyTally();
    for (let after: string | null = null; ; ) {
      const page = await deps.scope.syncedUsersPage(deps.db, after, pageSize);
      if (page.length === 0) break;
      const upstream = await source.usersBetween(page[0]!.fusionpbxUserUuid!, page.at(-1)!.fusionpbxUserUuid!);
      tallyUsers(tally, page.filter((u) => !excluded.has(u.fusionpbxDomainUuid ?? '')), upstream, byUuid, new Set());
      after = page.at(-1)!.fusionpbxUserUuid;
    }
    const upstreamUsers = kept.reduce((n, d) => n + (counts.get(d.uuid) ?? 0), 0);
    const guard = guardVerdict(tally, { upstreamDomains: kept.length, upstreamUsers, storeDomains: presentKept(storeDomains, excluded), maxDisable: deps.maxDisable, floor: deps.maxDisableFloor });
    return { domains: kept, unknownDomainUuids: [], excluded, guard, claimants: claimants.filter((u) => !excluded.has(u.domainUuid)) };
  }
  // Emails are unique platform-wide: a run of some domains still has to see the other domains' claims
  // to those domains' emails (read by email where the source can, else the whole census).
  const claims = !scope ? null : source.claimants ? source.claimants(scope) : source.census().then((c) => c.users);
  const [census, storeUsers, scopeClaims] = await Promise.all([source.census(scope ?? undefined), deps.scope.syncedUsers(deps.db, scope), claims]);
  const excluded = excludedOf(deps, census.domains, storeDomains);
  const domains = census.domains.filter((d) => !excluded.has(d.uuid));
  const users = census.users.filter((u) => !excluded.has(u.domainUuid));
  // A one-user run is guarded as the one user it can change: it can disable that user and no other.
  const one = run.scopeUserUuid;
  const guard = guardRun({
    census: { ...census, domains, users: one ? users.filter((u) => u.uuid === one) : users },
    storeUsers: storeUsers.filter((u) => !excluded.has(u.fusionpbxDomainUuid ?? '') && (!one || u.fusionpbxUserUuid === one)),
    storeDomains: presentKept(storeDomains, excluded),
    maxDisable: deps.maxDisable,
    floor: deps.maxDisableFloor,
    emptyIsSuspicious: !one,
  });
  return { domains, unknownDomainUuids: census.unknownDomainUuids, excluded, guard, claimants: (scopeClaims ?? census.users).filter((u) => !excluded.has(u.domainUuid)) };
}

function excludedOf(deps: FactsDeps, domains: UpstreamDomain[], storeDomains: StoreDomain[]): Set<string> {
  return new Set([...domains, ...storeDomains].filter((d) => deps.mapping.isExcluded(d)).map((d) => d.uuid));
}

const presentKept = (storeDomains: StoreDomain[], excluded: Set<string>) => storeDomains.filter((d) => d.present && !excluded.has(d.uuid)).length;
