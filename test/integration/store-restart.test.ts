import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex } from '../../src/common/postgres.js';
import { migrate } from '../../src/store/migrate.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { platform } from '../helpers/platform.js';
import { createFusionpbxDatabase } from '../helpers/databases.js';
import { redisUrl } from '../helpers/env.js';
import { startPrivatePostgres, type PrivateService } from '../helpers/private-services.js';
import { dropPrefix, spawnDaemon, testPrefix, waitFor, type Daemon } from '../helpers/queue.js';
import { cleanRunContent } from '../helpers/reference.js';
import { partialDomains, perDomain, storeContent } from '../helpers/store-content.js';

/** The store's Postgres (a process this test owns) restarts while a worker applies a run. */
describe('the store restarts during an apply', () => {
  const f = platform(83, 60, 30);
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let pg: PrivateService;
  let worker: Daemon | undefined;
  let producer: TestApp | undefined;
  const prefix = testPrefix();

  beforeAll(async () => {
    [fpbx, pg] = await Promise.all([createFusionpbxDatabase('5.5', f), startPrivatePostgres()]);
    const db = createKnex(pg.url, { applicationName: 'fps-test', poolMax: 2 });
    await migrate(db);
    await db.destroy();
  }, 60_000);
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await producer?.stop();
    await dropPrefix(prefix);
    await pg.stop();
    await fpbx.drop();
  });

  it('rolls back the domain in flight, retries, and ends identical to a clean run', async () => {
    const clean = await cleanRunContent(fpbx.url);
    const env = { DATABASE_URL: pg.url, REDIS_URL: redisUrl(), FUSIONPBX_DATABASE_URL: fpbx.url, QUEUE_PREFIX: prefix, SYNC_SCHEDULE: '0 0 1 1 *', SYNC_ATTEMPTS: '8', SYNC_RETRY_DELAY_MS: '250', WORKER_CONCURRENCY: '2', ADMIN_PORT: '0' };
    worker = spawnDaemon('worker', env);
    await waitFor('the worker to start', async () => worker!.output.some((l) => l.includes('fusionpbx-sync is running')), 30_000);
    producer = await startTestApp({ store: pg.url, fusionpbx: fpbx.url }, { QUEUE_PREFIX: prefix }, { source: true, queue: true });
    const { run } = await producer.sync!.requestRun({ trigger: 'api', actor: 'test' });
    await producer.queue!.enqueueRun(run.id);
    const done = () => producer!.db('sync_runs').where({ parent_id: run.id }).count<{ count: number }[]>('* as count').then((r) => Number(r[0]!.count));
    await waitFor('a few domains to be applied', async () => (await done()) >= 3, 30_000, 5);
    expect(await done()).toBeLessThan(60); // the restart lands mid-run

    await pg.stop();
    await new Promise((r) => setTimeout(r, 1_000));
    await pg.start();

    const final = await waitFor('the run to end', async () => {
      const row = await producer!.stores.runs.get(producer!.db, run.id).catch(() => null);
      return row && !['queued', 'running'].includes(row.status) ? row : null;
    }, 90_000, 250);
    expect(final.status).toBe('succeeded');
    expect(worker.output.some((l) => /terminat|ECONNREFUSED|Connection terminated|shutting down/i.test(l))).toBe(true);
    expect(await partialDomains(producer.db, perDomain(f))).toEqual([]);
    expect(await storeContent(producer.db)).toEqual(clean);
  });
});
