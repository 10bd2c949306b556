import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, syncOnce, type TestApp } from '../helpers/app.js';
import { platform } from '../helpers/platform.js';
import { createFusionpbxDatabase, createStoreDatabase } from '../helpers/databases.js';
import { redisUrl } from '../helpers/env.js';
import { dropPrefix, spawnDaemon, testPrefix, waitFor, type Daemon } from '../helpers/queue.js';
import { storeContent } from '../helpers/store-content.js';

describe('worker processes: schedule, crashes, signals', () => {
  const f = platform(51, 30, 30);
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let clean: unknown;
  const daemons: Daemon[] = [];

  beforeAll(async () => {
    fpbx = await createFusionpbxDatabase('5.5', f);
    const reference = await createStoreDatabase();
    const app = await startTestApp({ store: reference.url, fusionpbx: fpbx.url });
    expect((await syncOnce(app)).status).toBe('succeeded');
    clean = await storeContent(reference.db);
    await app.stop();
    await reference.drop();
  });
  afterAll(async () => {
    for (const d of daemons) d.child.kill('SIGKILL');
    await fpbx.drop();
  });

  async function setup(extra: Record<string, string> = {}) {
    const store = await createStoreDatabase();
    const prefix = testPrefix();
    const env = {
      DATABASE_URL: store.url,
      REDIS_URL: redisUrl(),
      FUSIONPBX_DATABASE_URL: fpbx.url,
      QUEUE_PREFIX: prefix,
      WORKER_CONCURRENCY: '1',
      WORKER_LOCK_MS: '2000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      SYNC_SCHEDULE: '0 0 1 1 *',
      SYNC_RETRY_DELAY_MS: '200',
      ADMIN_PORT: '0', // each worker serves its probes and /metrics on a port of its own
      ...extra,
    };
    const producer = await startTestApp({ store: store.url, fusionpbx: fpbx.url }, { QUEUE_PREFIX: prefix }, { source: true, queue: true });
    const spawn = () => {
      const d = spawnDaemon('worker', env);
      daemons.push(d);
      return d;
    };
    const cleanup = async () => {
      await producer.stop();
      await dropPrefix(prefix);
      await store.drop();
    };
    return { store, producer, spawn, cleanup };
  }

  const running = (d: Daemon) => waitFor('the worker to start', async () => d.output.some((l) => l.includes('fusionpbx-sync is running')), 30_000);
  const domainsDone = (producer: TestApp, runId: string) => producer.db('sync_runs').where({ parent_id: runId }).count<{ count: number }[]>('* as count').then((r) => r[0]!.count);
  const finished = (producer: TestApp, runId: string) =>
    waitFor('the run to finish', async () => {
      const run = await producer.stores.runs.get(producer.db, runId);
      return run && !['queued', 'running'].includes(run.status) ? run : null;
    }, 60_000);

  it('two processes started together leave one scheduler, and one tick makes one run', async () => {
    const { store, producer, spawn, cleanup } = await setup({ SYNC_SCHEDULE: '*/3 * * * * *' });
    try {
      const [one, two] = [spawn(), spawn()];
      await Promise.all([running(one), running(two)]);
      expect(await producer.queue!.queue.getJobSchedulersCount()).toBe(1);
      const runs = await waitFor('two scheduled runs', async () => {
        const rows = await store.db('sync_runs').whereNull('parent_id').where({ trigger: 'schedule' }).orderBy('queued_at');
        return rows.length >= 2 ? rows : null;
      }, 30_000);
      const ticks = (await producer.queue!.queue.getJobs(['completed'])).filter((j) => j.name === 'scheduled');
      expect(new Set(ticks.map((j) => j.id)).size).toBe(ticks.length);
      // Ticks are 3 s apart; two runs from one tick would be milliseconds apart.
      const gaps = runs.slice(1).map((r: { queued_at: Date }, i: number) => r.queued_at.getTime() - runs[i].queued_at.getTime());
      expect(Math.min(...gaps)).toBeGreaterThan(2_000);
      for (const d of [one, two]) d.child.kill('SIGTERM');
      await Promise.all([one.exited, two.exited]);
    } finally {
      await cleanup();
    }
  });

  it('a worker killed with SIGKILL mid-run: the other finishes, the store ends as a clean run left it', async () => {
    const { store, producer, spawn, cleanup } = await setup();
    try {
      const [victim, survivor] = [spawn(), spawn()];
      await Promise.all([running(victim), running(survivor)]);
      const { run } = await producer.sync!.requestRun({ trigger: 'api', actor: 'test' });
      await producer.queue!.enqueueRun(run.id);
      await waitFor('a few domains to be done', async () => (await domainsDone(producer, run.id)) >= 3, 30_000, 20);
      victim.child.kill('SIGKILL');
      expect((await victim.exited).signal).toBe('SIGKILL');
      expect(await domainsDone(producer, run.id)).toBeLessThan(30); // the survivor still had work to take over
      const done = await finished(producer, run.id);
      expect(done.status).toBe('succeeded');
      expect(await domainsDone(producer, run.id)).toBe(30);
      expect(await storeContent(store.db)).toEqual(clean);
      survivor.child.kill('SIGTERM');
      await survivor.exited;
    } finally {
      await cleanup();
    }
  });

  it('SIGTERM during a run: exits 0 within the deadline; the run is finished later, never half-applied', async () => {
    const { store, producer, spawn, cleanup } = await setup({ SHUTDOWN_TIMEOUT_MS: '5000' });
    try {
      const first = spawn();
      await running(first);
      const { run } = await producer.sync!.requestRun({ trigger: 'api', actor: 'test' });
      await producer.queue!.enqueueRun(run.id);
      await waitFor('a few domains to be done', async () => (await domainsDone(producer, run.id)) >= 2, 30_000, 20);
      const signalled = Date.now();
      first.child.kill('SIGTERM');
      const exit = await first.exited;
      expect(exit.code).toBe(0);
      expect(await domainsDone(producer, run.id)).toBeLessThan(30); // stopped mid-run
      expect(Date.now() - signalled).toBeLessThan(6_000);
      expect(first.output.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
      // Whatever was committed is whole: every finished domain has all its users.
      const doneDomains: string[] = await store.db('sync_runs').where({ parent_id: run.id, status: 'succeeded' }).pluck('scope_domain_uuid');
      for (const d of doneDomains) {
        expect(await store.db('users').where({ fusionpbx_domain_uuid: d }).count<{ count: number }[]>('* as count')).toEqual([{ count: 30 }]);
      }
      const second = spawn();
      await running(second);
      expect((await finished(producer, run.id)).status).toBe('succeeded');
      expect(await storeContent(store.db)).toEqual(clean);
      second.child.kill('SIGTERM');
      await second.exited;
    } finally {
      await cleanup();
    }
  });
});
