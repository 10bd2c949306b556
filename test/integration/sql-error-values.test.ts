import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import { apiClient } from '../helpers/api.js';
import { syncOnce, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/databases.js';
import { TEST_SECRETS, redisUrl } from '../helpers/env.js';
import { useApp } from '../helpers/fixture.js';
import { waitFor } from '../helpers/queue.js';

/** Everything BullMQ keeps in Redis for the jobs under a prefix: payloads, results, failed reasons, stack traces. */
async function jobTexts(prefix: string): Promise<string> {
  const redis = new Redis(redisUrl());
  const texts: string[] = [];
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
      for (const key of keys) if ((await redis.type(key)) === 'hash') texts.push(...(await redis.hvals(key)));
    }
  } finally {
    redis.disconnect();
  }
  return texts.join('\n');
}

/**
 * A statement that fails quotes the row's values in PostgreSQL's answer ("Failing row contains
 * (...)"), and knex used to put the bound values in its message: emails, names and a new password
 * hash reached the logs and, as a failed job's reason, Redis for 30 days. Here statements are made
 * to fail on purpose (a check constraint the store refuses them with) on every path.
 */
describe('a failing statement puts no value in a log line or in Redis', () => {
  const f = new FusionpbxFactory(61);
  const leak = f.domain('leak.example.net');
  for (let i = 0; i < 5; i++) f.user(leak, `leaky${i}`, { email: `leaky.person${i}@leak-domain.example`, contact: { given: `Leakygiven${i}`, family: 'Leakyfamily' } });
  const fine = f.domain('fine.example.net');
  f.user(fine, 'fine0', { email: 'fine0@fine-domain.example' });
  const manual = { email: 'manual.leaky@leak-domain.example', firstName: 'Manualfirst', lastName: 'Forbiddenlast' };
  const values = [...f.users.map((u) => u.email!), 'Leakygiven', 'Leakyfamily', manual.email, manual.firstName, manual.lastName, 'scrypt$', TEST_SECRETS.userPassword];
  const fixture = useApp(f, { env: { SYNC_SCHEDULE: '0 0 1 1 *', HOUSEKEEPING_SCHEDULE: '0 0 1 1 *' }, parts: { source: true, queue: true, worker: true, api: true } });
  let store: TestDatabase;
  let app: TestApp;
  let prefix: string;

  beforeAll(async () => {
    ({ store, app, prefix } = fixture);
    // Every user of leak.example.net is refused by the store, with PostgreSQL quoting the row.
    await store.db.raw(`alter table users add constraint forced_failure check (first_name is null or first_name not like 'Leakygiven%')`);
  });

  const leaked = (text: string) => values.filter((v) => text.includes(v));

  it('in-process and through the queue: the run fails naming the constraint, and no value is logged or kept', async () => {
    const inProcess = await syncOnce(app);
    const { run } = await app.sync!.requestRun({ trigger: 'api', actor: 'test', dryRun: false, domain: leak.uuid });
    await app.queue!.enqueueRun(run.id);
    const queued = await waitFor('the queued run', async () => {
      const r = await app.stores.runs.get(app.db, run.id);
      return r && !['queued', 'running'].includes(r.status) ? r : null;
    });
    for (const r of [inProcess, queued]) {
      expect(r.status).toBe('failed');
      expect(r.error).toMatch(/database error 23514: a row that breaks a check \(table users, constraint forced_failure\)/);
      expect(leaked(r.error!)).toEqual([]);
    }
    expect(app.logs.lines.some((l) => l.includes('forced_failure'))).toBe(true);
    expect(leaked(app.logs.lines.join('\n'))).toEqual([]);
    expect(leaked(await jobTexts(prefix))).toEqual([]);
  });

  it('an admin edit that fails with a new password logs neither the row nor the hash', async () => {
    const api = apiClient(app.server!);
    const tenant = await store.db('tenants').where({ name: 'fine.example.net' }).first();
    const created = await api<{ id: string }>('POST', '/v1/users', { body: { email: manual.email, password: TEST_SECRETS.userPassword, tenantId: tenant.id, role: 'user', firstName: manual.firstName } });
    expect(created.status).toBe(201);
    await store.db.raw(`alter table users add constraint forced_edit_failure check (last_name is distinct from '${manual.lastName}')`);
    const edit = await api('PATCH', `/v1/users/${created.body.id}`, { body: { lastName: manual.lastName, password: `${TEST_SECRETS.userPassword} v2` } });
    expect(edit.status).toBe(500);
    expect(edit.body).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'internal error' } });
    expect(app.logs.lines.some((l) => l.includes('forced_edit_failure'))).toBe(true);
    expect(leaked(app.logs.lines.join('\n'))).toEqual([]);
  });
});
