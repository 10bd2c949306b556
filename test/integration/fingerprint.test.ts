import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import { actor, startTestApp, syncOnce, type TestApp } from '../helpers/app.js';
import { createFusionpbxDatabase, createStoreDatabase, rowVersions, rowsWritten, type TestDatabase } from '../helpers/databases.js';
import { TEST_SECRETS } from '../helpers/env.js';

/** The hash-compare fast path: an unchanged domain is skipped; anything a plan reads that moves makes it planned again. */
describe('unchanged domains are skipped, changed ones are not', () => {
  let store: TestDatabase;
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let app: TestApp;
  let f: FusionpbxFactory;

  async function setup(env: Record<string, string> = {}) {
    f = new FusionpbxFactory(101);
    for (const name of ['a', 'b', 'c']) {
      const d = f.domain(`${name}.example.net`);
      for (let i = 0; i < 4; i++) f.link(f.extension(d, String(100 + i)), f.user(d, `${name}${i}`, { email: i === 3 && name !== 'c' ? 'shared@example.net' : `${name}${i}@example.net` }));
    }
    store = await createStoreDatabase();
    fpbx = await createFusionpbxDatabase('5.5', f);
    app = await startTestApp({ store: store.url, fusionpbx: fpbx.url }, env);
    await syncOnce(app);
  }
  afterEach(async () => {
    await app?.stop();
    await fpbx?.drop();
    await store?.drop();
  });

  const skipped = () => app.logs.messages().filter((m) => m.msg === 'unchanged domains skipped').at(-1)?.unchanged ?? 0;
  const domain = (name: string) => f.domains.find((d) => d.name.startsWith(name))!;

  it('skips every domain of an unchanged platform, reporting the same counts and problems, writing nothing', async () => {
    await setup();
    const first = (await app.stores.runs.list(app.db, 1, null))[0]!;
    const before = await rowVersions(store.db);
    const run = await syncOnce(app);
    expect(skipped()).toBe(3);
    expect(rowsWritten(before, await rowVersions(store.db))).toBe(0);
    expect(run.counts).toEqual({
      tenants: { unchanged: 3 },
      domains: { unchanged: 3 },
      users: { unchanged: 12, conflict: 1 },
      extensions: { unchanged: 12 },
    });
    const problems = await store.db('sync_changes').where({ run_id: run.id }).whereNot('kind', 'change').pluck('code');
    expect(problems).toEqual(await store.db('sync_changes').where({ run_id: first.id }).whereNot('kind', 'change').pluck('code'));
  });

  it('plans a domain again when its FusionPBX data changes, and only that one', async () => {
    await setup();
    await syncOnce(app);
    f.users.find((u) => u.username === 'b1')!.contact!.given = 'Renamed';
    await fpbx.rewrite();
    const run = await syncOnce(app);
    expect(skipped()).toBe(2);
    expect(run.counts.users).toMatchObject({ updated: 1 });
    expect(await store.db('users').where({ username: 'b1' }).first()).toMatchObject({ first_name: 'Renamed' });
  });

  it('plans a domain again when an admin changed one of its rows', async () => {
    await setup();
    await syncOnce(app);
    const user = await store.db('users').where({ username: 'a2' }).first();
    await app.lifecycle.disable(user.id, { reason: 'by hand' }, actor('admin'));
    await syncOnce(app);
    expect(skipped()).toBe(2);
    await syncOnce(app);
    expect(skipped()).toBe(3); // planned once more, found in step, fingerprinted again
    // A new manual user in a tenant can be matched by a plan: that tenant's domain is planned again.
    await app.users.create({ email: 'manual@example.net', password: TEST_SECRETS.userPassword, tenantId: user.tenant_id, role: 'user' }, actor('admin'));
    await syncOnce(app);
    expect(skipped()).toBe(2);
  });

  it('recreates a user whose exclusion is lifted (the domain is planned again)', async () => {
    await setup();
    const user = await store.db('users').where({ username: 'c1' }).first();
    await app.lifecycle.delete(user.id, actor('admin')).catch(() => undefined);
    // No probe here: deletes are refused (fail closed). Exclude by hand as a delete would.
    await store.db('extensions').where({ user_id: user.id }).update({ user_id: null, link_source: null });
    await store.db('users').where({ id: user.id }).del();
    await store.db('user_exclusions').insert({ fusionpbx_user_uuid: user.fusionpbx_user_uuid, tenant_id: user.tenant_id, excluded_by: 'admin' });
    await syncOnce(app);
    expect(await store.db('users').where({ username: 'c1' }).first()).toBeUndefined();
    await app.users.liftExclusion(user.fusionpbx_user_uuid, actor('admin'));
    await syncOnce(app);
    expect(await store.db('users').where({ username: 'c1' }).first()).toBeDefined();
  });

  it('plans a domain again when another domain changes who wins an email its user claims', async () => {
    await setup();
    await syncOnce(app);
    const holder = await store.db('users').where({ email: 'shared@example.net' }).first();
    const loser = holder.username === 'a3' ? 'b3' : 'a3';
    // The holder's FusionPBX user gives the address up: the other claimant's domain must take it.
    f.users.find((u) => u.username === holder.username)!.email = 'other@example.net';
    await fpbx.rewrite();
    await syncOnce(app);
    expect(await store.db('users').where({ username: loser }).first()).toMatchObject({ email: 'shared@example.net' });
    expect(skipped()).toBe(1);
  });

  it('plans every domain again when the role mapping changes', async () => {
    const file = join(tmpdir(), `roles-${process.pid}-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify({ roles: { user: 'admin' } }));
    await setup();
    await syncOnce(app);
    await app.stop();
    app = await startTestApp({ store: store.url, fusionpbx: fpbx.url }, { SYNC_MAPPING_FILE: file });
    const run = await syncOnce(app);
    expect(skipped()).toBe(0);
    expect(run.counts.users?.updated).toBe(12);
  });

  it('plans every domain in full once the reconciliation period has passed', async () => {
    await setup({ SYNC_FULL_RECONCILE_HOURS: '0' });
    await syncOnce(app);
    expect(skipped()).toBe(0);
  });

  it('notices a domain removed from FusionPBX', async () => {
    await setup({ SYNC_MAX_DISABLE: '100%' });
    await syncOnce(app);
    f.removeDomain(domain('c'));
    await fpbx.rewrite();
    const run = await syncOnce(app);
    expect(run.counts.users?.disabled).toBe(4);
  });
});
