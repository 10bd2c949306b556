import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import { startFreeswitchStandIn, type FreeswitchStandIn } from '../../src/demo/freeswitch-stand-in.js';
import { syncOnce, type TestApp } from '../helpers/app.js';
import { rowVersions, rowsWritten, type TestDatabase } from '../helpers/databases.js';
import { TEST_ADMIN_TOKEN, TEST_SECRETS } from '../helpers/env.js';
import { useApp, type AppFixture } from '../helpers/fixture.js';

type User = { id: string; email: string | null; role: string; status: string; source: string; tenantId: string; extensions: Array<{ id: string; number: string }>; lastLoginAt: string | null; firstName: string | null };
type Page<T> = { items: T[]; nextCursor: string | null };

describe('admin API: users', () => {
  const f = new FusionpbxFactory(61);
  const d = f.domain('api.example.net');
  const synced = f.user(d, 'synced', { groups: ['admin'] });
  f.link(f.extension(d, '101'), synced);
  f.user(d, 'other');
  f.extension(d, '150');
  f.extension(d, '151');
  let fs: FreeswitchStandIn;
  beforeAll(async () => void (fs = await startFreeswitchStandIn({ password: TEST_SECRETS.eslPassword })));
  afterAll(() => fs.close());
  const fixture = useApp(f, {
    env: () => ({ ACTIVE_CALLS: 'esl', FREESWITCH_ESL: `127.0.0.1:${fs.port}`, FREESWITCH_ESL_PASSWORD: TEST_SECRETS.eslPassword, PROBE_TIMEOUT_MS: '400' }),
    parts: { source: true, queue: true, api: true, probe: true },
    synced: true,
  });
  let store: TestDatabase;
  let app: TestApp;
  let api: AppFixture['api'];
  let tenantId: string;
  let syncedId: string;
  const PASSWORD = TEST_SECRETS.userPassword;

  beforeAll(async () => {
    ({ store, app, api } = fixture);
    tenantId = (await store.db('tenants').first()).id;
    syncedId = (await store.db('users').where({ fusionpbx_user_uuid: synced.uuid }).first()).id;
  });
  beforeEach(() => {
    fs.channels = [];
    fs.setHang(false);
  });

  /** Runs a request that must be refused, and proves it wrote nothing (not even a change-log row). */
  async function refused(status: number, code: string, request: () => Promise<{ status: number; body: unknown }>) {
    const before = await rowVersions(store.db, ['tenants', 'users', 'extensions', 'user_activation_log', 'user_exclusions']);
    const [{ count: changes }] = await store.db('sync_changes').count<{ count: number }[]>('* as count');
    const res = await request();
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error: { code, message: expect.any(String) } });
    expect(rowsWritten(before, await rowVersions(store.db, ['tenants', 'users', 'extensions', 'user_activation_log', 'user_exclusions']))).toBe(0);
    expect((await store.db('sync_changes').count<{ count: number }[]>('* as count'))[0]!.count).toBe(changes);
    return res;
  }

  const create = (email: string, role = 'user', extra: Record<string, unknown> = {}) =>
    api<User>('POST', '/v1/users', { body: { email, password: PASSWORD, tenantId, role, firstName: 'Ann', lastName: 'Example', ...extra } });

  it('creates a manual user, normalising the email; never returns or logs the password or its hash', async () => {
    const res = await create('  Ann.Example@API.Example ', 'admin');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: 'ann.example@api.example', role: 'admin', status: 'enabled', source: 'manual', tenantId, extensions: [], lastLoginAt: null });
    const hash = (await store.db('users').where({ id: res.body.id }).first()).password_hash as string;
    expect(hash).toMatch(/^scrypt\$/);
    const history = await api('GET', `/v1/users/${res.body.id}/changes`);
    const everything = res.raw + JSON.stringify(history.body) + app.logs.lines.join('\n');
    for (const secret of [PASSWORD, hash, hash.split('$')[5]!]) expect(everything).not.toContain(secret);
    expect(history.body).toMatchObject({ items: [{ action: 'created', actor: 'admin', applied: true }] });
  });

  it('refuses a duplicate email (any case), a weak password, a missing tenant, a bad role: nothing written', async () => {
    await refused(409, 'EMAIL_TAKEN', () => create('ANN.example@api.example'));
    const weak = await refused(400, 'VALIDATION_FAILED', () => create('weak@api.example', 'user', { password: 'short' }));
    expect((weak.body as { error: { message: string } }).error.message).toMatch(/password: at least 12 characters/);
    await refused(400, 'VALIDATION_FAILED', () => create('t@api.example', 'user', { tenantId: '00000000-0000-4000-8000-000000000000' }));
    await refused(400, 'VALIDATION_FAILED', () => create('r@api.example', 'root'));
    await refused(400, 'VALIDATION_FAILED', () => create('not an email'));
  });

  it('round-trips strings that look like SQL or HTML unchanged', async () => {
    const name = `Robert'); DROP TABLE users;-- <script>alert(1)</script> "quoted" \\ %_`;
    const res = await create('bobby@api.example', 'user', { firstName: name });
    expect(res.status).toBe(201);
    expect((await api<User>('GET', `/v1/users/${res.body.id}`)).body.firstName).toBe(name);
    const found = await api<Page<User>>('GET', `/v1/users?q=${encodeURIComponent("'); drop")}`);
    expect(found.body.items.map((u) => u.id)).toEqual([res.body.id]);
    expect(await store.db('users').count<{ count: number }[]>('* as count')).not.toEqual([{ count: 0 }]);
    const percent = await api<Page<User>>('GET', `/v1/users?q=${encodeURIComponent('%_')}`);
    expect(percent.body.items.map((u) => u.id)).toEqual([res.body.id]);
  });

  it('refuses to change what FusionPBX owns on a synced user; role and password stay local', async () => {
    for (const body of [{ email: 'x@api.example' }, { firstName: 'New' }, { lastName: 'Name' }, { tenantId }]) {
      if ('tenantId' in body) continue; // same tenant: nothing changes
      await refused(409, 'FIELD_OWNED_BY_FUSIONPBX', () => api('PATCH', `/v1/users/${syncedId}`, { body }));
    }
    const ok = await api<User>('PATCH', `/v1/users/${syncedId}`, { body: { password: 'a new local password' } });
    expect(ok.status).toBe(200);
    const login = await api('POST', '/v1/auth/verify', { body: { email: synced.email, password: 'a new local password' } });
    expect(login.status).toBe(200);
  });

  it('never lets a tenant lose its last enabled admin (delete, disable, demote)', async () => {
    const admins = await store.db('users').where({ tenant_id: tenantId, role: 'admin', status: 'enabled' });
    // Leave exactly one enabled admin.
    for (const a of admins.slice(1)) await api('POST', `/v1/users/${a.id}/disable`, { body: { reason: 'test' } });
    const last = admins[0]!.id as string;
    await refused(409, 'LAST_TENANT_ADMIN', () => api('DELETE', `/v1/users/${last}`));
    await refused(409, 'LAST_TENANT_ADMIN', () => api('POST', `/v1/users/${last}/disable`, { body: {} }));
    await refused(409, 'LAST_TENANT_ADMIN', () => api('PATCH', `/v1/users/${last}`, { body: { role: 'user' } }));
    for (const a of admins.slice(1)) await api('POST', `/v1/users/${a.id}/enable`);
  });

  it('disables and enables with an activation log naming the actor; until must be in the future', async () => {
    const user = (await create('dis@api.example')).body;
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const disabled = await api<User & { disabledReason: string; disabledUntil: string }>('POST', `/v1/users/${user.id}/disable`, { body: { reason: 'on leave', until } });
    expect(disabled.body).toMatchObject({ status: 'disabled', disabledReason: 'on leave', disabledBy: 'admin' });
    expect(Date.parse(disabled.body.disabledUntil)).toBe(Date.parse(until));
    await refused(400, 'VALIDATION_FAILED', () => api('POST', `/v1/users/${user.id}/disable`, { body: { until: '2001-01-01T00:00:00Z' } }));
    expect((await api<User>('POST', `/v1/users/${user.id}/enable`)).body.status).toBe('enabled');
    const log = await api<Page<{ action: string; actor: string; reason: string | null }>>('GET', `/v1/users/${user.id}/activation-log`);
    expect(log.body.items.map((l) => [l.action, l.actor, l.reason])).toEqual([
      ['disabled', 'admin', 'on leave'],
      ['enabled', 'admin', null],
    ]);
  });

  it('checks credentials: same 401 for a wrong password, an unknown email, a disabled user; records the login', async () => {
    const user = (await create('login@api.example')).body;
    const bad = [
      await api('POST', '/v1/auth/verify', { body: { email: 'login@api.example', password: 'wrong password!!' } }),
      await api('POST', '/v1/auth/verify', { body: { email: 'nobody@api.example', password: PASSWORD } }),
    ];
    await api('POST', `/v1/users/${user.id}/disable`, { body: {} });
    bad.push(await api('POST', '/v1/auth/verify', { body: { email: 'login@api.example', password: PASSWORD } }));
    for (const res of bad) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'INVALID_CREDENTIALS', message: 'the email or the password is wrong, or the user is disabled' } });
    }
    await api('POST', `/v1/users/${user.id}/enable`);
    const ok = await api<User>('POST', '/v1/auth/verify', { body: { email: ' LOGIN@api.example', password: PASSWORD } });
    expect(ok.status).toBe(200);
    expect(ok.body.lastLoginAt).not.toBeNull();
    expect((await api<User>('GET', `/v1/users/${user.id}`)).body.lastLoginAt).toBe(ok.body.lastLoginAt);
  });

  it('assigns an extension of the tenant to a manual user, refuses FusionPBX-owned links, guards the unassign', async () => {
    const user = (await create('ext@api.example')).body;
    const free = await store.db('extensions').where({ number: '150' }).first();
    const owned = await store.db('extensions').where({ number: '101' }).first();
    const assigned = await api<User>('PUT', `/v1/users/${user.id}/extensions/${free.id}`);
    expect(assigned.body.extensions).toEqual([{ id: free.id, number: '150' }]);
    await refused(409, 'FIELD_OWNED_BY_FUSIONPBX', () => api('PUT', `/v1/users/${user.id}/extensions/${owned.id}`));
    await refused(409, 'FIELD_OWNED_BY_FUSIONPBX', () => api('PUT', `/v1/users/${syncedId}/extensions/${free.id}`));
    await refused(404, 'NOT_FOUND', () => api('PUT', `/v1/users/${user.id}/extensions/00000000-0000-4000-8000-000000000000`));
    fs.channels = [{ uuid: '5d0f7a3e-2b1c-4c7e-9a51-0c3e2a7d9f10', presence_id: '150@api.example.net', callstate: 'ACTIVE' }];
    await refused(409, 'USER_IN_ACTIVE_CALL', () => api('DELETE', `/v1/users/${user.id}/extensions/${free.id}`));
    fs.channels = [];
    fs.setHang(true);
    await refused(503, 'ACTIVE_CALLS_UNAVAILABLE', () => api('DELETE', `/v1/users/${user.id}/extensions/${free.id}`));
    fs.setHang(false);
    expect((await api<User>('DELETE', `/v1/users/${user.id}/extensions/${free.id}`)).body.extensions).toEqual([]);
  });

  it('deletes: refused on a live call (409) or when calls cannot be checked (503); a deleted synced user is excluded', async () => {
    const other = await store.db('users').where({ username: 'other' }).first();
    await store.db('extensions').where({ number: '151' }).update({ user_id: other.id, link_source: 'sync' });
    fs.channels = [{ uuid: '5d0f7a3e-2b1c-4c7e-9a51-0c3e2a7d9f11', presence_id: '151@api.example.net', callstate: 'RINGING' }];
    const busy = await refused(409, 'USER_IN_ACTIVE_CALL', () => api('DELETE', `/v1/users/${other.id}`));
    expect(busy.body).toMatchObject({ error: { details: { calls: [{ number: '151', state: 'RINGING' }] } } });
    fs.setHang(true);
    await refused(503, 'ACTIVE_CALLS_UNAVAILABLE', () => api('DELETE', `/v1/users/${other.id}`));
    fs.setHang(false);
    fs.channels = [];
    expect((await api('DELETE', `/v1/users/${other.id}`)).status).toBe(204);
    expect((await api('GET', `/v1/users/${other.id}`)).status).toBe(404);
    const exclusions = await api<Page<{ fusionpbxUserUuid: string; userId: string }>>('GET', '/v1/exclusions');
    expect(exclusions.body.items).toEqual([expect.objectContaining({ fusionpbxUserUuid: other.fusionpbx_user_uuid, userId: other.id })]);
    const history = await api<Page<{ action: string }>>('GET', `/v1/users/${other.id}/changes`);
    expect(history.body.items.map((c) => c.action)).toContain('deleted');
    expect((await api('DELETE', `/v1/exclusions/${other.fusionpbx_user_uuid}`)).status).toBe(204);
    await syncOnce(app);
    expect(await store.db('users').where({ fusionpbx_user_uuid: other.fusionpbx_user_uuid }).first()).toBeDefined();
  });

  it('searches by partial email or name, filters, and pages through every user exactly once', async () => {
    for (let i = 0; i < 23; i++) await create(`page${String(i).padStart(2, '0')}@paging.example`, i % 3 === 0 ? 'admin' : 'user', { lastName: i % 2 ? 'Odd' : 'Even' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: Page<User> } = await api<Page<User>>('GET', `/v1/users?q=paging.exam&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...res.body.items.map((u) => u.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
    const admins = await api<Page<User>>('GET', '/v1/users?q=PAGING&role=admin&limit=500');
    expect(admins.body.items).toHaveLength(8);
    const odd = await api<Page<User>>('GET', `/v1/users?q=odd&tenant=${tenantId}&status=enabled&source=manual`);
    expect(odd.body.items.length).toBe(11);
    expect((await api<Page<User>>('GET', '/v1/users?source=fusionpbx')).body.items.every((u) => u.source === 'fusionpbx')).toBe(true);
  });

  it('lists tenants and extensions (by tenant, unassigned only)', async () => {
    const tenants = await api<Page<{ id: string; fusionpbxDomainUuid: string; name: string }>>('GET', '/v1/tenants');
    expect(tenants.body.items).toEqual([expect.objectContaining({ id: tenantId, name: 'api.example.net', fusionpbxDomainUuid: d.uuid })]);
    const unassigned = await api<Page<{ number: string; userId: string | null }>>('GET', `/v1/extensions?tenant=${tenantId}&unassigned=true`);
    expect(unassigned.body.items.every((e) => e.userId === null)).toBe(true);
    expect(unassigned.body.items.map((e) => e.number)).toContain('150');
  });

  it('accepts every configured token and refuses others', async () => {
    expect((await api('GET', '/v1/tenants', { token: TEST_ADMIN_TOKEN })).status).toBe(200);
    expect((await api('GET', '/v1/tenants', { token: null })).status).toBe(401);
  });
});
