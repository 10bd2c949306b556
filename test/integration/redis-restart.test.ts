import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { platform } from '../helpers/platform.js';
import { createFusionpbxDatabase, createStoreDatabase, type TestDatabase } from '../helpers/databases.js';
import { startPrivateRedis, type PrivateService } from '../helpers/private-services.js';
import { spawnDaemon, waitFor, type Daemon } from '../helpers/queue.js';
import { cleanRunContent } from '../helpers/reference.js';
import { storeContent } from '../helpers/store-content.js';

/** Redis (a process this test owns) restarts empty between runs and during one. */
describe('Redis restarts and comes back empty', () => {
  const f = platform(89, 60, 30);
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let store: TestDatabase;
  let redis: PrivateService;
  let worker: Daemon;
  let producer: TestApp;
  let clean: unknown;

  beforeAll(async () => {
    [fpbx, store, redis] = await Promise.all([createFusionpbxDatabase('5.5', f), createStoreDatabase(), startPrivateRedis()]);
    clean = await cleanRunContent(fpbx.url);
    const env = {
      DATABASE_URL: store.url,
      REDIS_URL: redis.url,
      FUSIONPBX_DATABASE_URL: fpbx.url,
      SYNC_SCHEDULE: '*/4 * * * * *',
      HOUSEKEEPING_SCHEDULE: '* * * * * *',
      SYNC_RETRY_DELAY_MS: '200',
      WORKER_STALLED_INTERVAL_MS: '1000',
      WORKER_LOCK_MS: '2000',
      ADMIN_PORT: '0',
    };
    worker = spawnDaemon('worker', env);
    await waitFor('the worker to start', async () => worker.output.some((l) => l.includes('fusionpbx-sync is running')), 30_000);
    producer = await startTestApp({ store: store.url, fusionpbx: fpbx.url }, { REDIS_URL: redis.url }, { source: true, queue: true });
  }, 90_000);
  afterAll(async () => {
    worker.child.kill('SIGKILL');
    await producer.stop();
    await redis.stop();
    await store.drop();
    await fpbx.drop();
  });

  const scheduledRunAfter = (since: Date) =>
    waitFor('a scheduled run to succeed', async () => {
      return (await store.db('sync_runs').whereNull('parent_id').where({ trigger: 'schedule', status: 'succeeded' }).where('queued_at', '>', since).first()) ?? null;
    }, 60_000, 200);

  it('between runs: the worker reconnects, the schedule is registered again, the next tick runs', async () => {
    await scheduledRunAfter(new Date(0));
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1_500));
    const linesBefore = worker.output.length;
    await redis.start();
    const restarted = new Date();
    await scheduledRunAfter(restarted);
    // Registered again after the restart: a line the worker wrote since, not the one of its start.
    expect(worker.output.slice(linesBefore).some((l) => l.includes('sync schedule registered'))).toBe(true);
    expect(await storeContent(store.db)).toEqual(clean);
  });

  it('during a run: the lost job is queued again, the run finishes, the store converges', async () => {
    // A run with work to do: every user is renamed upstream.
    for (const user of f.users) user.contact!.given = `${user.contact!.given}-renamed`;
    await fpbx.rewrite();
    const renamed = await cleanRunContent(fpbx.url);
    const { run, created } = await producer.sync!.requestRun({ trigger: 'api', actor: 'test' });
    if (created) await producer.queue!.enqueueRun(run.id);
    const done = () => store.db('sync_runs').where({ parent_id: run.id }).count<{ count: number }[]>('* as count').then((r) => Number(r[0]!.count));
    await waitFor('a few domains to be applied', async () => (await done()) >= 2, 30_000, 5);
    expect(await done()).toBeLessThan(60);
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1_500));
    await redis.start();
    const final = await waitFor('the run to end', async () => {
      const row = await producer.stores.runs.get(producer.db, run.id);
      return row && !['queued', 'running'].includes(row.status) ? row : null;
    }, 60_000, 250);
    expect(final.status).toBe('succeeded');
    expect(await storeContent(store.db)).toEqual(renamed);
  });
});
