import { defaultMapping } from '../../src/config/mapping-file.js';
import type { DomainSnapshot, UpstreamDomain, UpstreamExtension, UpstreamUser } from '../../src/sources/model.js';
import { planDomain } from '../../src/sync/planner/plan-domain.js';
import type { DomainPlan, RunFacts } from '../../src/sync/planner/plan-types.js';
import type { Extension, StoreSnapshot, User } from '../../src/store/types.js';

/** Small builders for planner tests: readable uuids, sensible defaults, one override each. */
let counter = 0;
export function uuid(prefix = '0'): string {
  counter++;
  return `${prefix.padStart(8, '0').slice(0, 8)}-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

export function domain(name = 'acme.example.net', overrides: Partial<UpstreamDomain> = {}): UpstreamDomain {
  return { uuid: uuid('d'), name, enabled: true, ...overrides };
}

export function user(d: UpstreamDomain, username: string, overrides: Partial<UpstreamUser> = {}): UpstreamUser {
  return {
    uuid: uuid('a'),
    domainUuid: d.uuid,
    username,
    enabled: true,
    email: `${username}@example.com`,
    firstName: username[0]!.toUpperCase() + username.slice(1),
    lastName: 'Doe',
    groups: ['user'],
    ...overrides,
  };
}

export function extension(d: UpstreamDomain, number: string, owners: UpstreamUser[] = [], overrides: Partial<UpstreamExtension> = {}): UpstreamExtension {
  return {
    uuid: uuid('e'),
    domainUuid: d.uuid,
    number,
    numberAlias: null,
    callerIdName: null,
    firstName: null,
    lastName: null,
    userContext: d.name,
    enabled: true,
    userUuids: owners.map((u) => u.uuid).sort(),
    ...overrides,
  };
}

export function present(d: UpstreamDomain, users: UpstreamUser[], extensions: UpstreamExtension[] = [], extra: Partial<Extract<DomainSnapshot, { state: 'present' }>> = {}): DomainSnapshot {
  return { state: 'present', domain: d, users, extensions, unreadableUserUuids: [], unreadableExtensionUuids: [], problems: [], ...extra };
}

export function emptyStore(): StoreSnapshot {
  return { tenant: null, domains: [], users: [], extensions: [], excludedUserUuids: [] };
}

export function manualUser(tenantId: string, overrides: Partial<User> = {}): User {
  return {
    id: uuid('f'),
    tenantId,
    email: null,
    firstName: 'Manual',
    lastName: 'User',
    role: 'user',
    status: 'enabled',
    disabledBy: null,
    disabledReason: null,
    disabledUntil: null,
    source: 'manual',
    fusionpbxUserUuid: null,
    fusionpbxDomainUuid: null,
    username: null,
    upstreamRole: null,
    ...overrides,
  };
}

export const noRun: RunFacts = { emailWinners: {}, unknownDomainUuids: [] };

let ids = 0;
export function plan(snapshot: DomainSnapshot, store: StoreSnapshot = emptyStore(), run: RunFacts = noRun, mapping = defaultMapping()): DomainPlan {
  const d = snapshot.state === 'absent' ? null : snapshot.domain;
  return planDomain({
    snapshot,
    target: d ? mapping.tenantFor(d) : null,
    store,
    run,
    roleFor: (g) => mapping.roleFor(g),
    newId: () => `00000000-0000-7000-8000-${(++ids).toString(16).padStart(12, '0')}`,
  });
}

/** Applies a plan to an in-memory store snapshot the way the applier does to the database. */
export function applyInMemory(store: StoreSnapshot, p: DomainPlan, tenantKey?: string): StoreSnapshot {
  const next: StoreSnapshot = structuredClone(store);
  for (const c of p.changes) {
    const list =
      c.entity === 'user' ? next.users : c.entity === 'extension' ? next.extensions : c.entity === 'domain' ? next.domains : null;
    if (c.entity === 'tenant') {
      next.tenant = c.action === 'created' ? (c.after as never) : { ...next.tenant!, ...c.after };
      if (tenantKey && next.tenant) next.tenant.syncKey = tenantKey;
      continue;
    }
    const key = c.entity === 'domain' ? 'fusionpbxDomainUuid' : 'id';
    const existing = (list as unknown as Array<Record<string, unknown>>).find((r) => r[key] === c.id);
    if (existing) Object.assign(existing, c.after);
    else (list as unknown[]).push({ ...(c.entity === 'extension' ? { present: true } : {}), ...c.after });
  }
  return next;
}

export function changesOf(p: DomainPlan, entity: string, action?: string) {
  return p.changes.filter((c) => c.entity === entity && (!action || c.action === action));
}

export function problemCodes(p: DomainPlan): string[] {
  return p.problems.map((x) => x.code).sort();
}

export type { Extension, User };
