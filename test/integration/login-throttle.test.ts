import { randomBytes, scryptSync } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordHasher } from '../../src/users/password.js';
import { apiClient } from '../helpers/api.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createStoreDatabase, type TestDatabase } from '../helpers/databases.js';
import { TEST_SECRETS, redisUrl } from '../helpers/env.js';
import { dropPrefix, testPrefix } from '../helpers/queue.js';

const PASSWORD = TEST_SECRETS.userPassword;
// Long enough for the failures a test makes to land inside one window on a loaded machine (each
// verification is an scrypt hash at N=2^17: about a second here, more under CI's load; with 4 s, CI
// saw the first failure expire before the last one counted).
const WINDOW_SECONDS = 10;

/**
 * Brute-force protection of POST /v1/auth/verify, with two API processes sharing one Redis: the
 * counts are the platform's, not a replica's.
 */
describe('login throttling across replicas', () => {
  const prefix = testPrefix();
  let store: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  const env = { QUEUE_PREFIX: prefix, LOGIN_MAX_FAILURES: '3', LOGIN_ADDRESS_MAX_FAILURES: '4', LOGIN_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS) };

  beforeAll(async () => {
    store = await createStoreDatabase();
    a = await startTestApp({ store: store.url }, env, { api: true, queue: true });
    b = await startTestApp({ store: store.url }, env, { api: true, queue: true });
    const [tenant] = await store.db('tenants').insert({ id: '00000000-0000-7000-8000-0000000000aa', name: 'throttle', sync_key: 'manual:throttle' }).returning('id');
    for (const email of ['alice@throttle.example', 'bob@throttle.example', 'carol@throttle.example']) {
      expect((await apiClient(a.server!)('POST', '/v1/users', { body: { email, password: PASSWORD, tenantId: tenant.id, role: 'user' } })).status).toBe(201);
    }
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await dropPrefix(prefix);
    await store.drop();
  });

  const verify = (app: TestApp, email: string, password: string, clientAddress?: string) =>
    apiClient(app.server!)<{ error?: { code: string } }>('POST', '/v1/auth/verify', { body: { email, password, ...(clientAddress ? { clientAddress } : {}) } });

  it('refuses an email after its failures on either replica, right password included, until the window ends; others are untouched', async () => {
    expect((await verify(a, 'alice@throttle.example', 'wrong one 1')).status).toBe(401);
    expect((await verify(b, 'Alice@Throttle.example', 'wrong one 2')).status).toBe(401);
    expect((await verify(a, 'alice@throttle.example', 'wrong one 3')).status).toBe(401);
    const started = Date.now();
    for (const app of [a, b]) {
      const refused = await verify(app, 'alice@throttle.example', PASSWORD);
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    }
    expect((await verify(b, 'bob@throttle.example', PASSWORD)).status).toBe(200);
    // Redis holds digests, not the email.
    const redis = new Redis(redisUrl());
    const keys = await redis.keys(`${prefix}:login:*`).finally(() => redis.disconnect());
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toMatch(/alice|throttle\.example/);
    await new Promise((r) => setTimeout(r, Math.max(0, WINDOW_SECONDS * 1000 - (Date.now() - started)) + 300));
    expect((await verify(b, 'alice@throttle.example', PASSWORD)).status).toBe(200);
  }, 30_000);

  it('refuses an end-user address that sprays many emails, but not the caller itself nor other addresses', async () => {
    const sprayed = await Promise.all([0, 1, 2, 3].map((i) => verify(i % 2 ? a : b, `nobody${i}@throttle.example`, 'wrong password', '198.51.100.7')));
    expect(sprayed.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect((await verify(a, 'carol@throttle.example', PASSWORD, '198.51.100.7')).status).toBe(429);
    expect((await verify(b, 'carol@throttle.example', PASSWORD, '198.51.100.8')).status).toBe(200);
    // Without clientAddress the request counts only for its email: the host application is never one person.
    expect((await verify(a, 'carol@throttle.example', PASSWORD)).status).toBe(200);
    const metrics = (await apiClient(a.server!, null)('GET', '/metrics')).raw;
    expect(metrics).toMatch(/fps_login_failures_total\{reason="invalid"\} [1-9]/);
    expect(metrics).toMatch(/fps_login_failures_total\{reason="throttled"\} [1-9]/);
  }, 30_000);

  it('makes a hash with older parameters again at the next successful login', async () => {
    const salt = randomBytes(16);
    const old = `scrypt$16384$8$1$${salt.toString('base64')}$${scryptSync(PASSWORD, salt, 64, { N: 16384, r: 8, p: 1 }).toString('base64')}`;
    await store.db('users').where({ email: 'bob@throttle.example' }).update({ password_hash: old });
    expect((await verify(a, 'bob@throttle.example', PASSWORD)).status).toBe(200);
    const stored = (await store.db('users').where({ email: 'bob@throttle.example' }).first()).password_hash as string;
    expect(stored).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect((await verify(b, 'bob@throttle.example', PASSWORD)).status).toBe(200);
  }, 30_000);

  it('bounds concurrent hashing: past the waiting limit a hash is refused with 503, not queued', async () => {
    const hasher = new PasswordHasher({ concurrency: 1, maxWaiting: 1 });
    const results = await Promise.allSettled([hasher.hash(PASSWORD), hasher.hash(PASSWORD), hasher.hash(PASSWORD)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'NOT_READY' });
  }, 30_000);
});
