import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ACCESS } from '../../src/api/scopes.js';
import { listen } from '../../src/app/serve.js';
import { SCOPES } from '../../src/config/admin-tokens.js';
import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import { apiClient } from '../helpers/api.js';
import { startTestApp, syncOnce, type TestApp } from '../helpers/app.js';
import { createFusionpbxDatabase, createStoreDatabase, rowVersions, rowsWritten, type TestDatabase } from '../helpers/databases.js';
import { TEST_ADMIN_TOKEN, TEST_SECRETS } from '../helpers/env.js';
import { dropPrefix, testPrefix } from '../helpers/queue.js';

const NOBODY = '00000000-0000-7000-8000-00000000abcd';
/** One token per scope, each with that scope alone. */
const SCOPED = Object.fromEntries(SCOPES.map((scope) => [scope, `${scope}-only-token-0123456789abcdef`]));
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** A request for a route pattern: ids nobody has, bodies that are refused, so the route's own answer is a 4xx that writes nothing. */
function requestFor(key: string): { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; body?: unknown } {
  const [method, pattern] = key.split(' ') as ['GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', string];
  const url = pattern.replace(/:\w+/g, NOBODY);
  if (method === 'GET' || method === 'DELETE') return { method, url };
  if (key === 'POST /v1/auth/verify') return { method, url, body: { email: 'nobody@scopes.example', password: 'wrong password 123' } };
  return { method, url, body: { unknownField: true } };
}

describe('admin API: each scope reaches exactly its routes', () => {
  const f = new FusionpbxFactory(83);
  f.user(f.domain('scopes.example.net'), 'someone');
  let store: TestDatabase;
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let app: TestApp;
  const prefix = testPrefix();

  beforeAll(async () => {
    store = await createStoreDatabase();
    fpbx = await createFusionpbxDatabase('5.5', f);
    const tokens = SCOPES.map((scope) => `${scope}[${scope}]:${SCOPED[scope]}`).join(',');
    app = await startTestApp(
      { store: store.url, fusionpbx: fpbx.url },
      { QUEUE_PREFIX: prefix, ADMIN_TOKENS: tokens, METRICS_TOKEN, ACTIVE_CALLS: 'esl', FREESWITCH_ESL: '127.0.0.1:1', FREESWITCH_ESL_PASSWORD: TEST_SECRETS.eslPassword },
      { source: true, queue: true, api: true, probe: true },
    );
    await syncOnce(app);
  });
  afterAll(async () => {
    await app.stop();
    await dropPrefix(prefix);
    await fpbx.drop();
    await store.drop();
  });

  it('the access table lists exactly the routes the server has', () => {
    for (const key of Object.keys(ROUTE_ACCESS)) {
      const [method, url] = key.split(' ') as [string, string];
      expect(app.server!.hasRoute({ method: method as 'GET', url }), key).toBe(true);
    }
  });

  it('walks every route with every single-scope token: in scope the route answers, out of scope 403 naming the scope, and nothing is written', async () => {
    const before = await rowVersions(store.db);
    const changes = await store.db('sync_changes').count<Array<{ count: number }>>('* as count');
    const routes = Object.entries(ROUTE_ACCESS).filter(([, access]) => access !== 'open' && access !== 'metrics');
    expect(routes.length).toBeGreaterThanOrEqual(22);
    for (const [key, access] of routes) {
      for (const scope of SCOPES) {
        const { method, url, body } = requestFor(key);
        const reply = await apiClient(app.server!, SCOPED[scope]!)<{ error?: { code: string; message: string } }>(method, url, { body });
        if (scope === access) {
          expect(reply.body?.error?.code ?? 'none', `${key} with ${scope}`).not.toMatch(/^(UNAUTHORIZED|FORBIDDEN)$/);
        } else {
          expect(reply.status, `${key} with ${scope}`).toBe(403);
          expect(reply.body.error).toEqual({ code: 'FORBIDDEN', message: expect.stringContaining(`lacks the scope ${access}`) });
        }
      }
    }
    expect(rowsWritten(before, await rowVersions(store.db))).toBe(0);
    expect(await store.db('sync_changes').count<Array<{ count: number }>>('* as count')).toEqual(changes);
  });

  it('/metrics takes the metrics token only, and the metrics token opens nothing else', async () => {
    expect((await apiClient(app.server!, null)('GET', '/metrics')).status).toBe(401);
    expect((await apiClient(app.server!, TEST_ADMIN_TOKEN)('GET', '/metrics')).status).toBe(401);
    const metrics = await apiClient(app.server!, METRICS_TOKEN)('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.raw).toContain('fps_login_failures_total');
    expect((await apiClient(app.server!, METRICS_TOKEN)('GET', '/v1/users')).status).toBe(401);
    expect((await apiClient(app.server!, null)('GET', '/healthz')).status).toBe(200);
  });

  it('records the client address and the token label in the request log and with an admin change', async () => {
    const tenant = await store.db('tenants').first();
    const res = await app.server!.inject({
      method: 'POST',
      url: '/v1/users',
      remoteAddress: '203.0.113.9',
      headers: { authorization: `Bearer ${SCOPED.users}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'addressed@scopes.example', password: TEST_SECRETS.userPassword, tenantId: tenant.id, role: 'user' }),
    });
    expect(res.statusCode).toBe(201);
    const change = await store.db('sync_changes').where({ object_id: JSON.parse(res.body).id, action: 'created' }).first();
    expect(change).toMatchObject({ actor: 'users', client_address: '203.0.113.9' });
    const line = app.logs.messages().findLast((m) => m.msg === 'request' && m.route === '/v1/users' && m.method === 'POST');
    expect(line).toMatchObject({ actor: 'users', client: '203.0.113.9', status: 201 });
    const history = await apiClient(app.server!, SCOPED.read!)<{ items: Array<{ clientAddress: string | null }> }>('GET', `/v1/users/${JSON.parse(res.body).id}/changes`);
    expect(history.body.items[0]).toMatchObject({ clientAddress: '203.0.113.9' });
  });
});

describe('admin API over HTTPS', () => {
  let store: TestDatabase;
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fps-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    store = await createStoreDatabase();
    app = await startTestApp({ store: store.url }, { ADMIN_TLS_CERT_FILE: join(dir, 'cert.pem'), ADMIN_TLS_KEY_FILE: join(dir, 'key.pem'), ADMIN_PORT: '0' }, { api: true });
  });
  afterAll(async () => {
    await app.stop();
    await store.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the API with the configured certificate, on loopback by default', async () => {
    expect(app.config.ADMIN_HOST).toBe('127.0.0.1');
    const url = (await listen(app))!;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(`${url}/v1/tenants`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
  });
});
