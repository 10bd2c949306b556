import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoFactory } from '../../src/demo/demo-data.js';
import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import { actor, startTestApp, syncOnce, type TestApp } from '../helpers/app.js';
import { createFusionpbxDatabase, createStoreDatabase, rowVersions, rowsWritten, type TestDatabase } from '../helpers/databases.js';

type Fpbx = Awaited<ReturnType<typeof createFusionpbxDatabase>>;

describe('sync engine, end to end on real Postgres', () => {
  let store: TestDatabase;
  let fpbx: Fpbx;
  let app: TestApp;
  let f: FusionpbxFactory;

  async function setup(factory: FusionpbxFactory, env: Record<string, string> = {}, layout: '5.4' | '5.5' = '5.5') {
    f = factory;
    store = await createStoreDatabase();
    fpbx = await createFusionpbxDatabase(layout, f);
    app = await startTestApp({ store: store.url, fusionpbx: fpbx.url }, env);
  }

  afterEach(async () => {
    await app?.stop();
    await fpbx?.drop();
    await store?.drop();
  });

  describe('on the demo data', () => {
    beforeEach(() => setup(demoFactory()));

    it('creates tenants, users and extensions, then a second run writes nothing', async () => {
      const first = await syncOnce(app);
      expect(first.status).toBe('succeeded');
      expect(first.counts.tenants?.created).toBe(3);
      expect(first.counts.users?.created).toBe(f.users.length);
      expect(first.counts.extensions?.created).toBe(f.extensions.length);
      const [{ count }] = await store.db('users').count<{ count: number }[]>('* as count');
      expect(count).toBe(f.users.length);
      // Each change is logged under its own domain, whichever group of domains applied it.
      const logged = await store
        .db('sync_changes as c')
        .leftJoin('users as u', 'u.id', 'c.object_id')
        .leftJoin('extensions as e', 'e.id', 'c.object_id')
        .where({ 'c.run_id': first.id, 'c.kind': 'change' })
        .select('c.entity', 'c.fusionpbx_domain_uuid as logged', store.db.raw('coalesce(u.fusionpbx_domain_uuid, e.fusionpbx_domain_uuid) as own'));
      expect(logged.length).toBeGreaterThan(f.users.length);
      expect(logged.filter((r: { logged: string | null; own: string | null }) => r.logged === null || (r.own !== null && r.own !== r.logged))).toEqual([]);

      const before = await rowVersions(store.db);
      const second = await syncOnce(app);
      expect(second.status).toBe('succeeded');
      expect(rowsWritten(before, await rowVersions(store.db))).toBe(0);
      expect(second.counts.users).toMatchObject({ unchanged: f.users.length });
      expect(second.counts.users?.created ?? 0).toBe(0);
      const changes = await store.db('sync_changes').where({ run_id: second.id, kind: 'change' }).count<{ count: number }[]>('* as count');
      expect(changes[0]!.count).toBe(0);
    });

    it('stores emails trimmed and lower-cased, from the contact when user_email is empty, unique across tenants', async () => {
      await syncOnce(app);
      const emails = await store.db('users').whereNotNull('email').pluck('email');
      expect(emails).toContain('mixed.case@acme.example');
      expect(emails).toContain('legacy@acme.example');
      expect(emails.filter((e: string) => e === 'front-desk@example.com')).toHaveLength(1);
      expect(new Set(emails).size).toBe(emails.length);
      const typo = await store.db('users').where({ username: 'typo' }).first();
      expect(typo).toMatchObject({ email: null, status: 'enabled' });
    });

    it('disables the users of a disabled domain with the reason, and the tenant', async () => {
      await syncOnce(app);
      const initech = f.domains.find((d) => d.name.startsWith('initech'))!;
      const users = await store.db('users').where({ fusionpbx_domain_uuid: initech.uuid });
      expect(users.every((u: { status: string; disabled_reason: string }) => u.status === 'disabled' && u.disabled_reason === 'domain disabled in FusionPBX')).toBe(true);
      expect(await store.db('tenants').where({ name: initech.name }).first()).toMatchObject({ enabled: false });
      initech.enabled = true;
      await fpbx.rewrite();
      const run = await syncOnce(app);
      expect(run.counts.users?.enabled).toBe(users.length);
      expect(await store.db('tenants').where({ name: initech.name }).first()).toMatchObject({ enabled: true });
    });

    it('runs dry: changes are recorded, nothing is written', async () => {
      const before = await rowVersions(store.db);
      const run = await syncOnce(app, { dryRun: true });
      expect(run).toMatchObject({ status: 'succeeded', dryRun: true });
      expect(run.counts.users?.created).toBe(f.users.length);
      expect(rowsWritten(before, await rowVersions(store.db))).toBe(0);
      const planned = await store.db('sync_changes').where({ run_id: run.id, kind: 'change' });
      expect(planned.length).toBeGreaterThan(0);
      expect(planned.every((c: { applied: boolean }) => !c.applied)).toBe(true);
    });
  });

  describe('removal, rename and reappearance', () => {
    it('disables a user removed upstream (never deletes), re-enables it when it reappears', async () => {
      const g = new FusionpbxFactory(3);
      const d = g.domain('acme.example.net');
      for (let i = 0; i < 10; i++) g.user(d, `u${i}`);
      await setup(g);
      await syncOnce(app);
      const victim = g.users[4]!;
      g.removeUser(victim);
      await fpbx.rewrite();
      const run = await syncOnce(app);
      expect(run.counts.users?.disabled).toBe(1);
      const row = await store.db('users').where({ fusionpbx_user_uuid: victim.uuid }).first();
      expect(row).toMatchObject({ status: 'disabled', disabled_by: 'sync', disabled_reason: 'removed from FusionPBX' });
      const log = await store.db('user_activation_log').where({ user_id: row.id });
      expect(log).toEqual([expect.objectContaining({ action: 'disabled', actor: 'sync', run_id: run.id })]);

      g.users.push(victim);
      await fpbx.rewrite();
      const back = await syncOnce(app);
      expect(back.counts.users?.enabled).toBe(1);
      expect(await store.db('users').where({ id: row.id }).first()).toMatchObject({ status: 'enabled', disabled_reason: null });
      expect(await store.db('users').count<{ count: number }[]>('* as count')).toEqual([{ count: 10 }]);
    });

    it('renames the tenant when the domain is renamed: no duplicate tenant or user', async () => {
      const g = new FusionpbxFactory(4);
      const d = g.domain('old.example.net');
      const u = g.user(d, 'alice');
      g.link(g.extension(d, '101'), u);
      await setup(g);
      await syncOnce(app);
      const tenant = await store.db('tenants').first();
      d.name = 'new.example.net';
      for (const e of g.extensions) e.userContext = d.name;
      await fpbx.rewrite();
      const run = await syncOnce(app);
      expect(run.counts.tenants?.updated).toBe(1);
      const tenants = await store.db('tenants');
      expect(tenants).toEqual([expect.objectContaining({ id: tenant.id, name: 'new.example.net' })]);
      expect(await store.db('users').count<{ count: number }[]>('* as count')).toEqual([{ count: 1 }]);
      expect(await store.db('domains').first()).toMatchObject({ name: 'new.example.net', tenant_id: tenant.id });
    });
  });

  describe('safety', () => {
    it('quarantines a run that would disable more than SYNC_MAX_DISABLE; nothing changes until approved', async () => {
      const g = new FusionpbxFactory(5);
      const d = g.domain('acme.example.net');
      for (let i = 0; i < 20; i++) g.user(d, `u${i}`);
      await setup(g, { SYNC_MAX_DISABLE: '3' });
      await syncOnce(app);
      g.users.splice(0, 5);
      await fpbx.rewrite();
      const before = await rowVersions(store.db);
      const run = await syncOnce(app);
      expect(run.status).toBe('quarantined');
      expect(run.quarantineReason).toMatch(/would disable 5 users/);
      expect(run.counts.users?.disabled).toBe(5);
      expect(rowsWritten(before, await rowVersions(store.db))).toBe(0);
      const kept = await store.db('sync_changes').where({ run_id: run.id, kind: 'change', action: 'disabled' });
      expect(kept).toHaveLength(5);

      await app.sync!.approve(run.id, actor('test'));
      const approved = await app.sync!.applyApproved(run.id);
      expect(approved.status).toBe('succeeded');
      expect(await store.db('users').where({ status: 'disabled' }).count<{ count: number }[]>('* as count')).toEqual([{ count: 5 }]);
      expect(await store.db('sync_changes').where({ run_id: run.id, kind: 'change', applied: true }).count<{ count: number }[]>('* as count')).toEqual([{ count: 5 }]);
      await expect(app.sync!.approve(run.id, actor('test'))).rejects.toMatchObject({ code: 'RUN_NOT_QUARANTINED' });
    });

    it('applies an approved plan only where rows still hold what the plan saw', async () => {
      const g = new FusionpbxFactory(12);
      const d = g.domain('acme.example.net');
      for (let i = 0; i < 10; i++) g.user(d, `u${i}`);
      await setup(g, { SYNC_MAX_DISABLE: '1' });
      await syncOnce(app);
      const [edited, ...others] = g.users.splice(0, 3);
      await fpbx.rewrite();
      const run = await syncOnce(app);
      expect(run.status).toBe('quarantined');
      // An admin disables one of them by hand before the approval.
      await store.db('users').where({ fusionpbx_user_uuid: edited!.uuid }).update({ status: 'disabled', disabled_by: 'admin', disabled_reason: 'by hand' });
      await app.sync!.approve(run.id, actor('test'));
      const approved = await app.sync!.applyApproved(run.id);
      expect(approved.status).toBe('succeeded');
      expect(await store.db('users').where({ fusionpbx_user_uuid: edited!.uuid }).first()).toMatchObject({ disabled_by: 'admin', disabled_reason: 'by hand' });
      for (const u of others) expect(await store.db('users').where({ fusionpbx_user_uuid: u.uuid }).first()).toMatchObject({ status: 'disabled', disabled_by: 'sync' });
      const stale = await store.db('sync_changes').where({ run_id: run.id, code: 'CHANGED_SINCE_PLAN' });
      expect(stale).toHaveLength(1);
    });

    it('quarantines a source that suddenly returns nothing, and a discard leaves the store as it was', async () => {
      const g = new FusionpbxFactory(6);
      const d = g.domain('acme.example.net');
      for (let i = 0; i < 4; i++) g.user(d, `u${i}`);
      await setup(g, { SYNC_MAX_DISABLE: '100%' });
      await syncOnce(app);
      g.removeDomain(d);
      await fpbx.rewrite();
      const before = await rowVersions(store.db);
      const run = await syncOnce(app);
      expect(run.status).toBe('quarantined');
      expect(run.quarantineReason).toMatch(/no domains/);
      await app.sync!.discard(run.id, actor('ops'));
      expect(await app.stores.runs.get(app.db, run.id)).toMatchObject({ status: 'discarded', discardedBy: 'ops', discardedAt: expect.any(String) });
      expect(rowsWritten(before, await rowVersions(store.db))).toBe(0);
    });

    it('records a bad row and skips it; the rest of the domain syncs', async () => {
      const g = new FusionpbxFactory(8);
      const d = g.domain('acme.example.net');
      g.user(d, 'good');
      const bad = g.user(d, 'bad', { enabled: 'sometimes' });
      g.user(d, 'typo', { email: 'typo@@acme' });
      await setup(g, {}, '5.4');
      const run = await syncOnce(app);
      expect(run.status).toBe('succeeded');
      expect(run.counts.users).toMatchObject({ created: 2, error: 1, warning: 1 });
      const problems = await store.db('sync_changes').where({ run_id: run.id }).whereNot('kind', 'change');
      expect(problems.map((p: { code: string; fusionpbx_uuid: string }) => [p.code, p.fusionpbx_uuid])).toEqual(
        expect.arrayContaining([['INVALID_FLAG', bad.uuid]]),
      );
      expect(await store.db('users').where({ username: 'typo' }).first()).toMatchObject({ email: null });
    });
    it('applies the domains of a batch together; a domain the store refuses fails alone and its neighbours are applied', async () => {
      const g = new FusionpbxFactory(11);
      const domains = ['a.example.net', 'b.example.net', 'c.example.net'].map((name) => g.domain(name));
      for (const d of domains) for (const u of ['u1', 'u2']) g.user(d, u);
      // One group of three domains, one transaction; the store refuses the users of the second.
      await setup(g, { SYNC_DOMAIN_CONCURRENCY: '1', SYNC_ATTEMPTS: '1' });
      const refused = domains[1]!.uuid;
      await store.db.raw(`create function refuse() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$`);
      await store.db.raw(`create trigger refuse before insert on users for each row when (new.fusionpbx_domain_uuid = '${refused}') execute function refuse()`);
      const run = await syncOnce(app);
      const outcomes = await store.db('sync_runs').where({ parent_id: run.id }).select('scope_domain_uuid as domain', 'status');
      expect(Object.fromEntries(outcomes.map((o: { domain: string; status: string }) => [o.domain, o.status]))).toEqual({
        [domains[0]!.uuid]: 'succeeded',
        [refused]: 'failed',
        [domains[2]!.uuid]: 'succeeded',
      });
      const users = await store.db('users').groupBy('fusionpbx_domain_uuid').select('fusionpbx_domain_uuid as domain').count<{ domain: string; count: number }[]>('* as count');
      expect(Object.fromEntries(users.map((u) => [u.domain, Number(u.count)]))).toEqual({ [domains[0]!.uuid]: 2, [domains[2]!.uuid]: 2 });
      // Nothing of the refused domain was written, not even its tenant.
      expect(await store.db('domains').where({ fusionpbx_domain_uuid: refused }).first()).toBeUndefined();
      expect(app.logs.messages().some((m) => String(m.msg).includes('could not be applied together'))).toBe(true);
    });
    it('a planned change found stale under the lock is tried alone, then planned again from a fresh read, then recorded as a warning', async () => {
      const g = new FusionpbxFactory(12);
      const domains = ['a.example.net', 'b.example.net'].map((name) => g.domain(name));
      for (const d of domains) for (const u of ['u1', 'u2', 'u3']) g.user(d, u);
      await setup(g, { SYNC_DOMAIN_CONCURRENCY: '1' });
      await syncOnce(app);
      // One user removed upstream in each domain: both domains have changes, so they form one group.
      const [victim, other] = domains.map((d) => g.users.find((u) => u.domainUuid === d.uuid)!);
      g.removeUser(victim!);
      g.removeUser(other!);
      await fpbx.rewrite();
      // The store silently skips every write to the victim's row, so its planned disable comes back stale.
      await store.db.raw('create sequence skipped');
      await store.db.raw(`create function skip() returns trigger language plpgsql as $$ begin perform nextval('skipped'); return null; end $$`);
      await store.db.raw(`create trigger skip before update on users for each row when (old.fusionpbx_user_uuid = '${victim!.uuid}') execute function skip()`);
      const run = await syncOnce(app);
      expect(run.status).toBe('succeeded');
      // Three attempts: with its group, alone with the batch's plan, alone from a fresh read under the lock.
      expect((await store.db.raw('select last_value from skipped')).rows[0].last_value).toBe(3);
      expect(await store.db('users').where({ fusionpbx_user_uuid: victim!.uuid }).first()).toMatchObject({ status: 'enabled' });
      expect(await store.db('users').where({ fusionpbx_user_uuid: other!.uuid }).first()).toMatchObject({ status: 'disabled' });
      const warnings = await store.db('sync_changes').where({ run_id: run.id, kind: 'warning', code: 'CHANGED_SINCE_PLAN' });
      expect(warnings.map((w: { fusionpbx_uuid: string }) => w.fusionpbx_uuid)).toEqual([victim!.uuid]);
    });
    it('never calls a run succeeded while a domain of it has no result (a write the store lost)', async () => {
      const g = new FusionpbxFactory(9);
      for (const name of ['a.example.net', 'b.example.net', 'c.example.net']) g.user(g.domain(name), 'u');
      await setup(g);
      const { run } = await app.sync!.requestRun({ trigger: 'api', actor: 'test' });
      const domainUuids = (await app.pipeline!.prepare(run.id))!;
      expect(domainUuids).toHaveLength(3);
      await app.pipeline!.runBatch({ runId: run.id, domainUuids: domainUuids.slice(0, 2) });
      expect(await app.pipeline!.lostDomains(run.id)).toEqual(domainUuids.slice(2));
      const final = await app.pipeline!.finish(run.id);
      expect(final.status).toBe('failed');
      expect(final.error).toMatch(/^1 of 3 domains failed: .*no result/);
    });
  });

  describe('mapping file', () => {
    it('merges domains into one tenant and leaves excluded domains out', async () => {
      const g = new FusionpbxFactory(10);
      const a = g.domain('a.example.net');
      const b = g.domain('b.example.net');
      const lab = g.domain('lab.example.net');
      for (const d of [a, b, lab]) g.user(d, `user-${d.name.split('.')[0]}`);
      const file = join(tmpdir(), `mapping-${process.pid}-${Date.now()}.json`);
      writeFileSync(file, JSON.stringify({ tenants: [{ key: 'ab', name: 'A and B', domains: ['a.example.net', b.uuid] }], exclude: ['lab.example.net'] }));
      await setup(g, { SYNC_MAPPING_FILE: file });
      await syncOnce(app);
      const tenants = await store.db('tenants');
      expect(tenants).toEqual([expect.objectContaining({ name: 'A and B', sync_key: 'mapping:ab' })]);
      expect(await store.db('users').pluck('username')).toEqual(expect.arrayContaining(['user-a', 'user-b']));
      expect(await store.db('users').count<{ count: number }[]>('* as count')).toEqual([{ count: 2 }]);
    });
  });
});
