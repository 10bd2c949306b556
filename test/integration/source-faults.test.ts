import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRestStandIn, type RestFault } from '../../src/demo/rest-stand-in.js';
import { createKnex } from '../../src/common/postgres.js';
import { startTestApp, syncOnce } from '../helpers/app.js';
import { platform } from '../helpers/platform.js';
import { createFusionpbxDatabase, createStoreDatabase } from '../helpers/databases.js';
import { serverUrl, TEST_SECRETS } from '../helpers/env.js';
import { waitFor } from '../helpers/queue.js';
import { cleanRunContent } from '../helpers/reference.js';
import { partialDomains, perDomain, storeContent } from '../helpers/store-content.js';

const API_KEY = `0b6f4c8e-3d2a-4f1b-8e7c-5a9d0c1b2e3f:${TEST_SECRETS.restSecret}`;

describe('source faults mid-run: nothing half-written, the next run converges to a clean run', () => {
  const f = platform(71, 120, 20);
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;

  beforeAll(async () => {
    fpbx = await createFusionpbxDatabase('5.5', f);
  });
  afterAll(async () => {
    await fpbx.drop();
  });

  it('the FusionPBX database connection drops while domains are read', async () => {
    const clean = await cleanRunContent(fpbx.url);
    const store = await createStoreDatabase();
    const app = await startTestApp({ store: store.url, fusionpbx: fpbx.url });
    const admin = createKnex(serverUrl(), { applicationName: 'fps-test-killer', poolMax: 1 });
    const database = new URL(fpbx.url).pathname.slice(1);
    try {
      const { run } = await app.sync!.requestRun({ trigger: 'cli', actor: 'test' });
      const running = app.pipeline!.runInProcess(run.id);
      await waitFor('the first domain to be synced', async () => (await store.db('sync_runs').where({ parent_id: run.id }).first()) ?? null, 20_000, 2);
      // Every reader connection is cut, again and again, while the batches are read.
      let killed = 0;
      for (const until = Date.now() + 400; Date.now() < until; ) killed += await terminateReaders(admin, database);
      const faulty = await running;
      expect(killed).toBeGreaterThan(0);
      expect(['succeeded', 'failed']).toContain(faulty.status);
      expect(await partialDomains(store.db, perDomain(f))).toEqual([]);
      expect((await syncOnce(app)).status).toBe('succeeded');
      expect(await storeContent(store.db)).toEqual(clean);
    } finally {
      await admin.destroy();
      await app.stop();
      await store.drop();
    }
  });

  it('the REST API answers 500, times out, and cuts a page short for some domains', async () => {
    const faults = new Map<string, { action: string; fault: RestFault }>([
      [f.domains[3]!.uuid, { action: 'user-list', fault: 'error' }],
      [f.domains[40]!.uuid, { action: 'extension-list', fault: 'hang' }],
      [f.domains[77]!.uuid, { action: 'extension-list', fault: 'truncate' }],
    ]);
    let faulty = false;
    const userLists = new Map<string, number>();
    const rest = await startRestStandIn({
      db: fpbx.db,
      apiKey: API_KEY,
      fault: ({ action, domain }) => {
        if (!faulty || !domain) return undefined;
        // user-list is read twice per run: at the census (let through) and with the domain.
        if (action === 'user-list' && (userLists.set(domain, (userLists.get(domain) ?? 0) + 1).get(domain) ?? 0) < 2) return undefined;
        const planned = faults.get(domain);
        return planned?.action === action ? planned.fault : undefined;
      },
    });
    const env = { FUSIONPBX_SOURCE: 'rest', FUSIONPBX_API_URL: rest.url, FUSIONPBX_API_KEY: API_KEY, FUSIONPBX_API_TIMEOUT_MS: '500', FUSIONPBX_API_RETRIES: '1', SYNC_ATTEMPTS: '1' };
    const store = await createStoreDatabase();
    const app = await startTestApp({ store: store.url }, env);
    try {
      const clean = await cleanRunContent(undefined, env);
      faulty = true;
      const run = await syncOnce(app);
      // The run says it failed, and which domains and why; the other domains were synced.
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/^3 of 120 domains failed: .*HTTP 500.*timed out|^3 of 120 domains failed: .*timed out.*HTTP 500/);
      const failed = await store.db('sync_runs').where({ parent_id: run.id, status: 'failed' }).select('scope_domain_uuid', 'error');
      expect(failed.map((r: { scope_domain_uuid: string }) => r.scope_domain_uuid).sort()).toEqual([...faults.keys()].sort());
      expect(failed.map((r: { error: string }) => r.error).join('\n')).not.toContain(TEST_SECRETS.restSecret);
      const expected = perDomain(f);
      expect(await partialDomains(store.db, expected)).toEqual([]);
      // The failed domains were left as they were (empty); every other domain was synced.
      const synced: string[] = await store.db('users').distinct('fusionpbx_domain_uuid').pluck('fusionpbx_domain_uuid');
      expect(synced.length).toBe(f.domains.length - faults.size);
      faulty = false;
      expect((await syncOnce(app)).status).toBe('succeeded');
      expect(await storeContent(store.db)).toEqual(clean);
    } finally {
      await app.stop();
      await rest.close();
      await store.drop();
    }
  });

  it('a source that suddenly reports no users at all is quarantined; nothing is disabled', async () => {
    const g = platform(71, 3, 5);
    const source = await createFusionpbxDatabase('5.5', g);
    const store = await createStoreDatabase();
    const app = await startTestApp({ store: store.url, fusionpbx: source.url }, { SYNC_MAX_DISABLE: '100%' });
    try {
      expect((await syncOnce(app)).status).toBe('succeeded');
      for (const user of [...g.users]) g.removeUser(user);
      await source.rewrite();
      const run = await syncOnce(app);
      expect(run.status).toBe('quarantined');
      expect(run.quarantineReason).toMatch(/no users/);
      expect(await store.db('users').where({ status: 'disabled' }).count<{ count: number }[]>('* as count')).toEqual([{ count: 0 }]);
    } finally {
      await app.stop();
      await store.drop();
      await source.drop();
    }
  });
});

async function terminateReaders(admin: Knex, database: string): Promise<number> {
  const result = await admin.raw<{ rows: Array<{ killed: boolean }> }>(
    `select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = ? and application_name = 'fusionpbx-sync-reader'`,
    [database],
  );
  return result.rows.filter((r) => r.killed).length;
}
