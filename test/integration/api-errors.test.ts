import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../src/errors/app-error.js';
import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import { rowVersions, rowsWritten, type TestDatabase } from '../helpers/databases.js';
import { TEST_ADMIN_TOKEN, TEST_SECRETS } from '../helpers/env.js';
import { useApp, type AppFixture } from '../helpers/fixture.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type OpenApi = { paths: Record<string, Record<string, { summary?: string; requestBody?: unknown; parameters?: Array<{ in: string; name: string }> }>>; components: { securitySchemes: Record<string, unknown> } };

const SOME_UUID = '00000000-0000-4000-8000-000000000001';

describe('admin API: errors, auth and the OpenAPI document', () => {
  const f = new FusionpbxFactory(81);
  const d = f.domain('err.example.net');
  f.user(d, 'someone');
  const fixture = useApp(f, {
    env: { ADMIN_BODY_LIMIT: '4096', ACTIVE_CALLS: 'esl', FREESWITCH_ESL: '127.0.0.1:1', FREESWITCH_ESL_PASSWORD: TEST_SECRETS.eslPassword },
    parts: { source: true, queue: true, api: true, probe: true },
    synced: true,
  });
  let store: TestDatabase;
  let api: AppFixture['api'];
  let doc: OpenApi;
  let routes: Array<{ method: Method; path: string; hasBody: boolean; query: string[] }>;

  beforeAll(async () => {
    ({ store, api } = fixture);
    doc = (await api<OpenApi>('GET', '/docs/json')).body;
    routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase() as Method,
        path: path.replace(/\{(\w+)\}/g, ':$1'),
        hasBody: op.requestBody !== undefined,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      })),
    );
  });

  const fill = (path: string, value = SOME_UUID) => path.replace(/:\w+/g, value);

  it('serves an OpenAPI document of every route (behind the token), built from the same schemas', async () => {
    expect((await api('GET', '/docs/json', { token: null })).status).toBe(401);
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
    const expected = [
      'POST /v1/sync', 'GET /v1/sync/runs', 'GET /v1/sync/runs/:id', 'POST /v1/sync/runs/:id/approve', 'POST /v1/sync/runs/:id/discard',
      'GET /v1/tenants', 'GET /v1/users', 'POST /v1/users', 'GET /v1/users/:id', 'PATCH /v1/users/:id', 'DELETE /v1/users/:id',
      'POST /v1/users/:id/disable', 'POST /v1/users/:id/enable', 'GET /v1/users/:id/activation-log', 'PUT /v1/users/:id/extensions/:extensionId',
      'DELETE /v1/users/:id/extensions/:extensionId', 'GET /v1/extensions', 'POST /v1/auth/verify', 'GET /healthz', 'GET /readyz', 'GET /metrics',
    ];
    const present = routes.map((r) => `${r.method} ${r.path}`);
    for (const route of expected) expect(present).toContain(route);
    for (const [, ops] of Object.entries(doc.paths)) for (const op of Object.values(ops)) expect(op.summary).toBeTruthy();
  });

  it('refuses a missing, wrong or differently sized token on every /v1 route (401, error shape)', async () => {
    const v1 = routes.filter((r) => r.path.startsWith('/v1'));
    expect(v1.length).toBeGreaterThanOrEqual(20);
    for (const route of v1) {
      for (const token of [null, 'x', TEST_ADMIN_TOKEN.slice(0, -1), `${TEST_ADMIN_TOKEN}x`, TEST_ADMIN_TOKEN.toUpperCase()]) {
        const res = await api(route.method, fill(route.path), { token, body: route.hasBody ? {} : undefined });
        expect(res.status, `${route.method} ${route.path} with ${token}`).toBe(401);
        expect(res.body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
      }
      const basic = await api(route.method, fill(route.path), { token: null, headers: { authorization: `Basic ${Buffer.from(`admin:${TEST_ADMIN_TOKEN}`).toString('base64')}` } });
      expect(basic.status).toBe(401);
    }
  });

  it('leaves the probes open', async () => {
    expect((await api('GET', '/healthz', { token: null })).body).toEqual({ status: 'ok', version: JSON.parse(readFileSync('package.json', 'utf8')).version });
    expect((await api('GET', '/metrics', { token: null })).status).toBe(200);
    expect([200, 503]).toContain((await api('GET', '/readyz', { token: null })).status);
  });

  it('answers each kind of bad body with 400/413/415 in the error shape', async () => {
    const cases: Array<[string, () => ReturnType<typeof api>, number]> = [
      ['wrong types', () => api('POST', '/v1/users', { body: { email: 1, password: true, tenantId: [], role: {} } }), 400],
      ['a missing field', () => api('POST', '/v1/users', { body: { email: 'a@b.io', password: 'x'.repeat(20), role: 'user' } }), 400],
      ['an unknown field', () => api('POST', '/v1/sync', { body: { everything: true } }), 400],
      ['malformed JSON', () => api('POST', '/v1/auth/verify', { payload: '{"email": "a@b.io", ' }), 400],
      ['invalid UTF-8', () => api('POST', '/v1/auth/verify', { payload: Buffer.concat([Buffer.from('{"email":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('@b.io","password":"x"}')]) }), 400],
      ['an oversized body', () => api('POST', '/v1/auth/verify', { body: { email: 'a@b.io', password: 'x'.repeat(10_000) } }), 413],
      ['deep JSON', () => api('POST', '/v1/sync', { payload: `${'['.repeat(100)}${']'.repeat(100)}` }), 400],
      ['a prototype key', () => api('POST', '/v1/sync', { payload: '{"__proto__": {"admin": true}}' }), 400],
      ['a non-JSON content type', () => api('POST', '/v1/sync', { payload: 'domain=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415],
      ['limit 0', () => api('GET', '/v1/users?limit=0'), 400],
      ['limit 501', () => api('GET', '/v1/users?limit=501'), 400],
      ['an unknown query parameter', () => api('GET', '/v1/users?sort=email'), 400],
      ['a cursor we never gave', () => api('GET', '/v1/users?cursor=bm9wZQ'), 400],
      ['a malformed id', () => api('GET', "/v1/users/1' OR '1'='1"), 400],
      ['an unknown user', () => api('GET', `/v1/users/${SOME_UUID}`), 404],
      ['an unknown route', () => api('GET', '/v1/nothing'), 404],
    ];
    for (const [what, request, status] of cases) {
      const res = await request();
      expect(res.status, what).toBe(status);
      expect(res.body, what).toEqual({ error: { code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) } });
      expect(Object.keys(ERROR_STATUS)).toContain((res.body as { error: { code: string } }).error.code);
    }
  });

  it('answers 500 other generated malformed requests with 4xx in the error shape, never 5xx, and writes nothing', async () => {
    const ids = ["1' OR '1'='1", '1;DROP TABLE users', '../../etc/passwd', '..%2F..%2Fetc%2Fpasswd', '%00', '-1', '99999999999999999999', 'ünïcødé', 'x'.repeat(300), '%F0%9F%92%A9', '%FF%FE'];
    const queries = ['limit=-5', 'limit=abc', 'limit=1.5', 'limit=1e9', 'limit=1&limit=2', 'cursor=%FF', 'q=' + 'x'.repeat(101), 'role=root', 'status=maybe', 'tenant=nope', 'unassigned=maybe', 'source=ldap', 'extra=1', 'limit=', 'q=', 'cursor=' + 'A'.repeat(300), 'limit=%27%20OR%201%3D1', 'tenant=../../etc', 'q=%00', 'unassigned=1', 'status=enabled%00'];
    const bodies: Array<string | Buffer> = [
      '{"email": 5}', '[]', '"text"', 'null', '42', '{"dryRun": "yes"}', '{"domain": ""}', '{"domain": 7}', '{"until": "tomorrow"}', '{"reason": {"a": 1}}',
      '{"role": "root"}', '{"tenantId": "nope"}', '{"password": 12345678901234}', '{"email": "x@y.z", "password": null}', '{', '}', '{"a":1}{"b":2}',
      `{"deep": ${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`, Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), '{"firstName": "' + 'x'.repeat(300) + '"}', '{"email": "' + 'a'.repeat(400) + '@x.io"}', 'x'.repeat(5000),
      '{"email": ["a@b.io"]}', '{"password": {"$ne": null}}', '{"dryRun": 1}', '{"until": 1700000000}', '{"tenantId": "00000000-0000-4000-8000-00000000000Z"}', '{"role": null, "email": null}',
    ];
    const requests: Array<{ method: Method; url: string; payload?: string | Buffer }> = [];
    for (const route of routes.filter((r) => r.path.startsWith('/v1'))) {
      if (route.path.includes(':')) for (const id of ids) requests.push({ method: route.method, url: fill(route.path, id) });
      if (route.method === 'GET') for (const q of queries) requests.push({ method: route.method, url: `${fill(route.path)}?${q}` });
      if (route.hasBody) for (const payload of bodies) requests.push({ method: route.method, url: fill(route.path), payload });
    }
    expect(requests.length).toBeGreaterThanOrEqual(500);

    const before = await rowVersions(store.db);
    const [{ count: changes }] = await store.db('sync_changes').count<{ count: number }[]>('* as count');
    const [{ count: runs }] = await store.db('sync_runs').count<{ count: number }[]>('* as count');
    for (const r of requests) {
      const res = await api(r.method, r.url, { payload: r.payload });
      expect(res.status, `${r.method} ${r.url} ${String(r.payload).slice(0, 40)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${r.method} ${r.url} ${String(r.payload).slice(0, 40)}`).toBeLessThan(500);
      expect(res.body, `${r.method} ${r.url}`).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    }
    expect(rowsWritten(before, await rowVersions(store.db))).toBe(0);
    expect((await store.db('sync_changes').count<{ count: number }[]>('* as count'))[0]!.count).toBe(changes);
    expect((await store.db('sync_runs').count<{ count: number }[]>('* as count'))[0]!.count).toBe(runs);
    expect((await api('GET', '/healthz')).status).toBe(200);
  });
});
