import { planDomain } from '../src/sync/planner/plan-domain.js';
import { defaultMapping } from '../src/config/mapping-file.js';
import { uuid7 } from '../src/common/uuid7.js';
import type { DomainSnapshot } from '../src/sources/model.js';
const mapping = defaultMapping();
const snaps: DomainSnapshot[] = [];
let n = 0;
const u = () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;
for (let d = 0; d < 1000; d++) {
  const dom = { uuid: u(), name: `t${d}.example`, enabled: true };
  const users = Array.from({ length: 100 }, (_, i) => ({ uuid: u(), domainUuid: dom.uuid, username: `u${i}`, enabled: true, email: `u${d}-${i}@x.io`, firstName: 'A', lastName: 'B', groups: ['user'] }));
  const extensions = users.map((usr, i) => ({ uuid: u(), domainUuid: dom.uuid, number: String(1000 + i), numberAlias: null, callerIdName: 'A B', firstName: 'A', lastName: 'B', userContext: dom.name, enabled: true, userUuids: [usr.uuid] }));
  snaps.push({ state: 'present', domain: dom, users, extensions, unreadableUserUuids: [], unreadableExtensionUuids: [], problems: [] });
}
const store = { tenant: null, domains: [], users: [], extensions: [], excludedUserUuids: [] };
for (const label of ['uuid7', 'plan']) {
  const t = performance.now();
  if (label === 'uuid7') for (let i = 0; i < 200000; i++) uuid7();
  else for (const s of snaps) planDomain({ snapshot: s, target: mapping.tenantFor((s as any).domain), store, run: { emailWinners: {}, unknownDomainUuids: [] }, roleFor: (g) => mapping.roleFor(g), newId: uuid7 });
  console.log(label, Math.round(performance.now() - t), 'ms');
}
