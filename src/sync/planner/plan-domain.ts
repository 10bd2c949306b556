import type { Problem } from '../../sources/model.js';
import { bump, type Counts } from './counts.js';
import { resolveOwners } from './extension-owners.js';
import { matchUsers, type MatchResult } from './match-users.js';
import { planExtensions } from './plan-extensions.js';
import { planTenant } from './plan-tenant.js';
import type { DomainPlan, PlanInput } from './plan-types.js';
import { planUsers } from './plan-users.js';
import type { DomainState } from './status-rules.js';

/**
 * Plans one domain: upstream snapshot x store snapshot -> changes. Pure: no I/O, no clock; the
 * same input gives the same plan, so a dry run is this function without the applier and a retry
 * plans nothing twice.
 */
export function planDomain(input: PlanInput): DomainPlan {
  const { snapshot, store } = input;
  const domainUuid = snapshot.state === 'absent' ? snapshot.domainUuid : snapshot.domain.uuid;
  const tenant = planTenant(input);
  const domain: DomainState = { state: snapshot.state, enabled: tenant.domainEnabled };
  const excluded = new Set(store.excludedUserUuids);

  const users = snapshot.state === 'present' ? snapshot.users : [];
  const owners = resolveOwners(
    snapshot.state === 'present' ? snapshot.extensions : [],
    users,
    new Set(snapshot.state === 'present' ? snapshot.unreadableUserUuids : []),
    excluded,
  );
  const match: MatchResult =
    tenant.tenantId === null
      ? { matches: [], unresolved: new Set(), releases: [], problems: [] }
      : matchUsers(users, owners, tenant.tenantId, store.users, store.extensions, excluded, input.run);
  const userPlan = planUsers(input, tenant.tenantId, domain, match, owners.ownedBy);
  const extensionPlan = planExtensions(input, tenant.tenantId, domain, owners, match, userPlan.idOf);

  const changes = [...tenant.changes, ...userPlan.changes, ...extensionPlan.changes];
  const problems: Problem[] = [...snapshot.problems, ...owners.problems, ...match.problems];
  const counts: Counts = {};
  for (const change of changes) bump(counts, change.entity, change.action === 'deleted' ? 'updated' : change.action);
  for (const problem of problems) bump(counts, problem.entity, problem.kind);
  if (!tenant.changes.some((c) => c.entity === 'tenant') && tenant.tenantId) bump(counts, 'tenant', 'unchanged');
  if (!tenant.changes.some((c) => c.entity === 'domain') && tenant.tenantId) bump(counts, 'domain', 'unchanged');
  if (userPlan.unchanged) bump(counts, 'user', 'unchanged', userPlan.unchanged);
  if (extensionPlan.unchanged) bump(counts, 'extension', 'unchanged', extensionPlan.unchanged);
  return { domainUuid, changes, problems, counts, matchedBy: new Map(match.matches.map((m) => [m.upstream.uuid, m.rule])) };
}
