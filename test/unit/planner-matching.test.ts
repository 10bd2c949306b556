import { describe, expect, it } from 'vitest';
import { resolveEmailClaims } from '../../src/sync/planner/email-claims.js';
import type { StoreSnapshot } from '../../src/store/types.js';
import {
  applyInMemory,
  changesOf,
  domain,
  emptyStore,
  extension,
  manualUser,
  plan,
  present,
  problemCodes,
  user,
  uuid,
} from '../helpers/planner-builders.js';

/** A store holding the tenant of `d` (as the first sync would create it) plus extra rows. */
function storeWithTenant(d: ReturnType<typeof domain>, extra: Partial<StoreSnapshot> = {}): StoreSnapshot {
  const base = applyInMemory(emptyStore(), plan(present(d, [])), `domain:${d.uuid}`);
  return { ...base, ...extra, tenant: base.tenant, domains: base.domains };
}

describe('planner: matching users', () => {
  it('matches the linked user_uuid first, even when the email points elsewhere', () => {
    const d = domain();
    const alice = user(d, 'alice');
    const store = storeWithTenant(d);
    const tenantId = store.tenant!.id;
    const synced = manualUser(tenantId, { source: 'fusionpbx', fusionpbxUserUuid: alice.uuid, fusionpbxDomainUuid: d.uuid, email: 'old@example.com', firstName: 'Alice', lastName: 'Doe', role: 'user', upstreamRole: 'user', username: 'alice' });
    const other = manualUser(tenantId, { email: alice.email! });
    const p = plan(present(d, [alice]), { ...store, users: [synced, other] });
    const change = changesOf(p, 'user')[0]!;
    expect(change.id).toBe(synced.id);
    expect(change.after.email).toBeNull();
    expect(problemCodes(p)).toEqual(['EMAIL_TAKEN']);
    expect(p.counts.users?.conflict).toBe(1);
  });

  it('links a manual user of the tenant by email; the log shows source before and after', () => {
    const d = domain();
    const alice = user(d, 'alice');
    const store = storeWithTenant(d);
    const manual = manualUser(store.tenant!.id, { email: 'alice@example.com', role: 'admin' });
    const p = plan(present(d, [alice]), { ...store, users: [manual] });
    const [link] = changesOf(p, 'user', 'linked');
    expect(link).toMatchObject({ id: manual.id, before: { source: 'manual', fusionpbxUserUuid: null }, after: { source: 'fusionpbx', fusionpbxUserUuid: alice.uuid } });
    expect(link!.after.role).toBeUndefined(); // a linked user keeps its local role
    expect(link!.after.upstreamRole).toBe('user');
    expect(changesOf(p, 'user', 'created')).toEqual([]);
  });

  it('never takes an email from a manual user of another tenant: conflict, synced without it', () => {
    const d = domain();
    const alice = user(d, 'alice');
    const store = storeWithTenant(d);
    const stranger = manualUser(uuid('t'), { email: 'alice@example.com' });
    const p = plan(present(d, [alice]), { ...store, users: [stranger] });
    expect(changesOf(p, 'user', 'created')[0]?.after.email).toBeNull();
    expect(changesOf(p, 'user').some((c) => c.id === stranger.id)).toBe(false);
    expect(p.problems[0]).toMatchObject({ kind: 'conflict', code: 'EMAIL_TAKEN', fusionpbxUuid: alice.uuid });
  });

  it('links a manual user holding the extension in the tenant', () => {
    const d = domain();
    const bob = user(d, 'bob', { email: null });
    const ext = extension(d, '101', [bob]);
    const store = storeWithTenant(d);
    const manual = manualUser(store.tenant!.id);
    store.users = [manual];
    store.extensions = [{ id: uuid('x'), tenantId: store.tenant!.id, fusionpbxExtensionUuid: ext.uuid, fusionpbxDomainUuid: d.uuid, number: '101', numberAlias: null, callerIdName: null, firstName: null, lastName: null, userContext: d.name, enabled: true, present: true, userId: manual.id, linkSource: 'admin' }];
    const p = plan(present(d, [bob], [ext]), store);
    expect(changesOf(p, 'user', 'linked')[0]?.id).toBe(manual.id);
    expect(changesOf(p, 'extension')[0]?.after).toMatchObject({ linkSource: 'sync' });
    expect(changesOf(p, 'extension')[0]?.after.userId).toBeUndefined(); // already this user's
  });

  it('records a contradiction (email -> A, extension -> B) and changes neither', () => {
    const d = domain();
    const carol = user(d, 'carol');
    const ext = extension(d, '102', [carol]);
    const store = storeWithTenant(d);
    const a = manualUser(store.tenant!.id, { email: 'carol@example.com' });
    const b = manualUser(store.tenant!.id);
    store.users = [a, b];
    store.extensions = [{ id: uuid('x'), tenantId: store.tenant!.id, fusionpbxExtensionUuid: ext.uuid, fusionpbxDomainUuid: d.uuid, number: '102', numberAlias: null, callerIdName: null, firstName: null, lastName: null, userContext: d.name, enabled: true, present: true, userId: b.id, linkSource: 'admin' }];
    const p = plan(present(d, [carol], [ext]), store);
    expect(changesOf(p, 'user')).toEqual([]);
    expect(problemCodes(p)).toEqual(['MATCH_CONTRADICTION']);
    expect(changesOf(p, 'extension')).toEqual([]); // its link is left as the admin made it
  });

  it('gives a contested email to one FusionPBX user only; the other syncs without it', () => {
    const d = domain();
    const one = user(d, 'one', { email: 'desk@example.com' });
    const two = user(d, 'two', { email: 'desk@example.com' });
    const winners = resolveEmailClaims([one, two].map((u) => ({ uuid: u.uuid, domainUuid: d.uuid, enabled: true, email: u.email })), new Map());
    const p = plan(present(d, [two, one]), emptyStore(), { emailWinners: winners, unknownDomainUuids: [] });
    const created = changesOf(p, 'user', 'created');
    const [low, high] = [one, two].sort((x, y) => (x.uuid < y.uuid ? -1 : 1));
    expect(created.find((c) => c.fusionpbxUuid === low!.uuid)?.after.email).toBe('desk@example.com');
    expect(created.find((c) => c.fusionpbxUuid === high!.uuid)?.after.email).toBeNull();
    expect(p.problems).toEqual([expect.objectContaining({ code: 'EMAIL_DUPLICATE_UPSTREAM', fusionpbxUuid: high!.uuid })]);
  });

  it('lets the user already holding a contested email keep it (incumbent first, then lowest uuid)', () => {
    const users = ['0000000b', '0000000a', '0000000c'].map((p) => ({ uuid: `${p}-0000-4000-8000-000000000000`, domainUuid: 'd', enabled: true, email: 'x@example.com' }));
    expect(resolveEmailClaims(users, new Map())).toEqual({ 'x@example.com': users[1]!.uuid });
    expect(resolveEmailClaims(users, new Map([['x@example.com', users[2]!.uuid]]))).toEqual({ 'x@example.com': users[2]!.uuid });
    expect(resolveEmailClaims(users.slice(0, 1), new Map())).toEqual({});
  });

  it('takes an email back from a synced user whose FusionPBX user gave it up (another tenant)', () => {
    const d = domain();
    const dave = user(d, 'dave', { email: 'shared@example.com' });
    const store = storeWithTenant(d);
    const holder = manualUser(uuid('t'), { source: 'fusionpbx', fusionpbxUserUuid: uuid('a'), fusionpbxDomainUuid: uuid('d'), email: 'shared@example.com' });
    const p = plan(present(d, [dave]), { ...store, users: [holder] });
    expect(changesOf(p, 'user', 'updated')).toEqual([expect.objectContaining({ id: holder.id, before: { email: 'shared@example.com' }, after: { email: null } })]);
    expect(changesOf(p, 'user', 'created')[0]?.after.email).toBe('shared@example.com');
  });

  it('does not match on a field the source cannot see, and leaves it as it is', () => {
    const d = domain();
    const noEmail = user(d, 'erin', { email: undefined, firstName: undefined, lastName: undefined, groups: undefined });
    const store = storeWithTenant(d);
    const manual = manualUser(store.tenant!.id, { email: 'erin@example.com' });
    const synced = manualUser(store.tenant!.id, { source: 'fusionpbx', fusionpbxUserUuid: noEmail.uuid, fusionpbxDomainUuid: d.uuid, email: 'kept@example.com', firstName: 'Kept', lastName: 'Name', role: 'admin', upstreamRole: 'admin', username: 'erin' });
    const p = plan(present(d, [noEmail]), { ...store, users: [manual, synced] });
    expect(p.changes.filter((c) => c.entity === 'user')).toEqual([]);
    const fresh = plan(present(d, [{ ...noEmail, uuid: uuid('a') }]), { ...store, users: [manual] });
    expect(changesOf(fresh, 'user', 'linked')).toEqual([]);
    expect(changesOf(fresh, 'user', 'created')[0]?.after).toMatchObject({ email: null, role: 'user' });
  });

  it('skips users an admin deleted (excluded), and unassigns their extension', () => {
    const d = domain();
    const gone = user(d, 'gone');
    const p = plan(present(d, [gone], [extension(d, '103', [gone])]), { ...emptyStore(), excludedUserUuids: [gone.uuid] });
    expect(changesOf(p, 'user')).toEqual([]);
    expect(changesOf(p, 'extension', 'created')[0]?.after).toMatchObject({ userId: null, linkSource: null });
  });

  it('is deterministic: the same input gives the same plan whatever the row order', () => {
    const d = domain();
    const users = ['u1', 'u2', 'u3'].map((n) => user(d, n, { email: 'same@example.com' }));
    const winners = resolveEmailClaims(users.map((u) => ({ uuid: u.uuid, domainUuid: d.uuid, enabled: true, email: u.email })), new Map());
    const strip = (p: ReturnType<typeof plan>) => ({ problems: p.problems, emails: p.changes.map((c) => [c.fusionpbxUuid, c.after.email]).sort() });
    const a = plan(present(d, users), emptyStore(), { emailWinners: winners, unknownDomainUuids: [] });
    const b = plan(present(d, [...users].reverse()), emptyStore(), { emailWinners: winners, unknownDomainUuids: [] });
    expect(strip(a)).toEqual(strip(b));
  });
});
