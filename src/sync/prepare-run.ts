import { groupBy } from '../common/collections.js';
import type { LastDomainSync, Run, RunContext, RunStore } from '../store/run-store.js';
import { storeDigests } from '../store/digest-store.js';
import { fingerprint, runDigest } from './fingerprint.js';
import { contestedEmails, resolveEmailClaims } from './planner/email-claims.js';
import { readScopeFacts, type FactsDeps, type ScopeFacts } from './scope-facts.js';

export interface PreparedRun {
  context: RunContext;
  /** The domains to sync, in order. */
  domainUuids: string[];
  /** Domains whose fingerprint has not moved since their last sync: nothing to read or plan. */
  unchanged: Array<{ domainUuid: string; fingerprint: string; last: LastDomainSync }>;
}

export interface PrepareDeps extends FactsDeps {
  runs: RunStore;
  /** Every domain is planned in full at least this often, fingerprint or not. */
  fullReconcileMs: number;
}

/**
 * The first step of every run, before any domain: one census of the scope, the safety guard, and
 * the platform-wide email claims. A run the guard stops goes on in `record` mode: its domains are
 * planned and the plans kept, but nothing is applied until an admin approves.
 */
export async function prepareRun(deps: PrepareDeps, run: Run): Promise<PreparedRun> {
  // The scope: the domains the poll found changed, one domain, or every domain (null).
  const scope = run.scopeDomainUuids ?? (run.scopeDomainUuid ? [run.scopeDomainUuid] : null);
  // The digests are read alongside the census (they take as long): they serve the hash-compare below.
  const digests = Promise.all([
    deps.source.digests ? deps.source.digests(scope ?? undefined) : null,
    deps.source.digests ? storeDigests(deps.db, scope) : null,
  ]);
  digests.catch(() => undefined);
  const storeDomains = await deps.scope.domains(deps.db, scope);
  const facts = await readScopeFacts(deps, run, scope, storeDomains);
  const { excluded, guard, claimants } = facts;
  const holders = await deps.scope.emailHolders(deps.db, contestedEmails(claimants));
  const unknown = new Set(facts.unknownDomainUuids);

  const domainUuids = scope
    ? [...new Set(scope)].filter((uuid) => !excluded.has(uuid)).sort()
    : [...new Set([...facts.domains.map((d) => d.uuid), ...storeDomains.filter((d) => d.present).map((d) => d.uuid)])]
        .filter((uuid) => !excluded.has(uuid))
        .sort();

  const [upstream, store] = await digests;
  const context: RunContext = {
    mode: run.dryRun || guard.quarantineReason ? 'record' : 'apply',
    quarantineReason: guard.quarantineReason,
    emailWinners: resolveEmailClaims(claimants, holders),
    unknownDomains: facts.domains.filter((d) => unknown.has(d.uuid)),
    // A domain the source no longer has digests as 'absent'.
    upstreamDigests: upstream ? Object.fromEntries(domainUuids.map((uuid) => [uuid, upstream.get(uuid) ?? 'absent'])) : {},
    domainUuids,
  };
  // A one-user run always reads and plans its domain: its trace shows every step.
  const unchanged = store && !run.scopeUserUuid ? await unchangedDomains(deps, facts, domainUuids, context, store) : [];
  const skip = new Set(unchanged.map((u) => u.domainUuid));
  return { context, domainUuids: domainUuids.filter((d) => !skip.has(d)), unchanged };
}

/**
 * Hash-compare: a domain whose upstream digest, store digest and run facts give the fingerprint
 * its last successful sync left is in step; it is neither read nor planned, unless its last full
 * plan is older than the reconciliation period. Only sources that can digest (the database) skip.
 *
 * The upstream digests are taken at the run's start. A domain that changes between then and its
 * read is planned from the newer data but keeps the older digest, so its next run plans it again;
 * one that changes and changes back in between is caught by the periodic full reconciliation.
 */
async function unchangedDomains(
  deps: PrepareDeps,
  facts: ScopeFacts,
  domainUuids: string[],
  context: RunContext,
  store: Map<string, string>,
): Promise<PreparedRun['unchanged']> {
  const last = await deps.runs.lastDomainSyncs(deps.db, domainUuids);
  const domains = new Map(facts.domains.map((d) => [d.uuid, d]));
  // Only the claimed emails the run's winners name count in a fingerprint (runDigest): the claimants suffice.
  const emails = groupBy(facts.claimants.flatMap((u) => (u.email ? [{ domainUuid: u.domainUuid, email: u.email }] : [])), (u) => u.domainUuid);
  const unknown = context.unknownDomains.map((d) => d.uuid);
  return domainUuids.flatMap((uuid) => {
    const previous = last.get(uuid);
    if (!previous?.fingerprint || Date.now() - Date.parse(previous.reconciledAt) > deps.fullReconcileMs) return [];
    const now = fingerprint(context.upstreamDigests[uuid], store.get(uuid), runDigest(deps.mapping, domains.get(uuid) ?? null, (emails.get(uuid) ?? []).map((u) => u.email), context.emailWinners, unknown));
    return now === previous.fingerprint ? [{ domainUuid: uuid, fingerprint: now, last: previous }] : [];
  });
}
