import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../helpers/api.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createFusionpbxDatabase, createStoreDatabase, type TestDatabase } from '../helpers/databases.js';
import { platform } from '../helpers/platform.js';
import { dropPrefix, testPrefix, waitFor } from '../helpers/queue.js';
import { cleanRunContent } from '../helpers/reference.js';
import { storeContent } from '../helpers/store-content.js';

/** A schedule tick, a CLI sync and an API trigger for the same domain, all at once. */
describe('overlapping triggers', () => {
  const f = platform(101, 6, 400);
  const target = f.domains[2]!;
  const prefix = testPrefix();
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let store: TestDatabase;
  let worker: TestApp;
  let api: TestApp;
  let cli: TestApp;

  beforeAll(async () => {
    [fpbx, store] = await Promise.all([createFusionpbxDatabase('5.5', f), createStoreDatabase()]);
    const env = { QUEUE_PREFIX: prefix, SYNC_SCHEDULE: '0 0 1 1 *', HOUSEKEEPING_SCHEDULE: '0 0 1 1 *' };
    const urls = { store: store.url, fusionpbx: fpbx.url };
    worker = await startTestApp(urls, env, { source: true, queue: true, worker: true });
    api = await startTestApp(urls, env, { source: true, queue: true, api: true });
    cli = await startTestApp(urls, env, { source: true });
  });
  afterAll(async () => {
    for (const app of [worker, api, cli]) await app.stop();
    await dropPrefix(prefix);
    await store.drop();
    await fpbx.drop();
  });

  it('makes one run of the domain, creates each user once, and ends as a clean run', async () => {
    const clean = await cleanRunContent(fpbx.url);
    const cliSync = async () => {
      // What `fusionpbx-sync sync --domain` does.
      const { run, created } = await cli.sync!.requestRun({ trigger: 'cli', domain: target.name, actor: 'cli' });
      return created ? cli.pipeline!.runInProcess(run.id) : cli.pipeline!.waitFor(run.id, 50);
    };
    const [, apiReply, cliRun] = await Promise.all([
      worker.queue!.queue.add('scheduled', {}),
      apiClient(api.server!)<{ runId: string }>('POST', '/v1/sync', { body: { domain: target.name } }),
      cliSync(),
    ]);
    expect(apiReply.status).toBe(202);
    // The CLI and the API asked for the same scope at once: one run.
    expect(apiReply.body.runId).toBe(cliRun.id);
    const runs = await waitFor('every run to end', async () => {
      const rows = await store.db('sync_runs').whereNull('parent_id');
      return rows.length === 2 && rows.every((r: { status: string }) => !['queued', 'running'].includes(r.status)) ? rows : null;
    }, 60_000, 100);
    expect(runs.map((r: { status: string }) => r.status)).toEqual(['succeeded', 'succeeded']);
    // The domain's run was made by whichever of the CLI and the API asked first; the other joined it.
    const triggers = runs.map((r: { trigger: string }) => r.trigger).sort();
    expect([['api', 'schedule'], ['cli', 'schedule']]).toContainEqual(triggers);
    // Each user of the domain was created once, whichever run got there first.
    const creates = await store.db('sync_changes').where({ fusionpbx_domain_uuid: target.uuid, entity: 'user', action: 'created', applied: true }).count<{ count: number }[]>('* as count');
    expect(creates).toEqual([{ count: 400 }]);
    expect(await storeContent(store.db)).toEqual(clean);
  });
});
