import type { MaxDisable } from '../config/max-disable.js';
import type { DomainMapping } from '../config/mapping-file.js';
import type { Census } from '../sources/model.js';
import type { FusionpbxSource } from '../sources/source.js';
import type { Db } from '../store/db.js';
import type { Run, RunContext } from '../store/run-store.js';
import type { ScopeStore } from '../store/scope-store.js';
import { contestedEmails, resolveEmailClaims } from './planner/email-claims.js';
import { guardRun } from './planner/run-guard.js';

export interface PreparedRun {
  context: RunContext;
  /** The domains to sync, in order. */
  domainUuids: string[];
}

export interface PrepareDeps {
  db: Db;
  source: FusionpbxSource;
  scope: ScopeStore;
  mapping: DomainMapping;
  maxDisable: MaxDisable;
  maxDisableFloor: number;
}

/**
 * The first step of every run, before any domain: one census of the scope, the safety guard, and
 * the platform-wide email claims. A run the guard stops goes on in `record` mode: its domains are
 * planned and the plans kept, but nothing is applied until an admin approves.
 */
export async function prepareRun(deps: PrepareDeps, run: Run): Promise<PreparedRun> {
  const scope = run.scopeDomainUuid;
  const [scopeCensus, storeDomains, storeUsers] = await Promise.all([
    deps.source.census(scope ? [scope] : undefined),
    deps.scope.domains(deps.db, scope),
    deps.scope.syncedUsers(deps.db, scope),
  ]);
  // Emails are unique platform-wide: a one-domain run still has to see every domain's claims.
  const claimsCensus = scope ? await deps.source.census() : scopeCensus;

  const excluded = new Set(
    [...scopeCensus.domains, ...storeDomains].filter((d) => deps.mapping.isExcluded(d)).map((d) => d.uuid),
  );
  const census: Census = {
    ...scopeCensus,
    domains: scopeCensus.domains.filter((d) => !excluded.has(d.uuid)),
    users: scopeCensus.users.filter((u) => !excluded.has(u.domainUuid)),
  };
  const guard = guardRun({
    census,
    storeUsers: storeUsers.filter((u) => !excluded.has(u.fusionpbxDomainUuid ?? '')),
    storeDomains: storeDomains.filter((d) => d.present && !excluded.has(d.uuid)).length,
    maxDisable: deps.maxDisable,
    floor: deps.maxDisableFloor,
  });

  const claimants = claimsCensus.users.filter((u) => !excluded.has(u.domainUuid));
  const holders = await deps.scope.emailHolders(deps.db, contestedEmails(claimants));
  const unknown = new Set(census.unknownDomainUuids);

  const domainUuids = scope
    ? excluded.has(scope)
      ? []
      : [scope]
    : [...new Set([...census.domains.map((d) => d.uuid), ...storeDomains.filter((d) => d.present).map((d) => d.uuid)])]
        .filter((uuid) => !excluded.has(uuid))
        .sort();

  return {
    domainUuids,
    context: {
      mode: run.dryRun || guard.quarantineReason ? 'record' : 'apply',
      quarantineReason: guard.quarantineReason,
      emailWinners: resolveEmailClaims(claimants, holders),
      unknownDomains: census.domains.filter((d) => unknown.has(d.uuid)),
    },
  };
}
