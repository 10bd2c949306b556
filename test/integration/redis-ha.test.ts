import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createFusionpbxDatabase, createStoreDatabase, type TestDatabase } from '../helpers/databases.js';
import { platform } from '../helpers/platform.js';
import { startRedisCluster, startSentinelSet } from '../helpers/private-services.js';
import { testPrefix, waitFor } from '../helpers/queue.js';
import { cleanRunContent } from '../helpers/reference.js';
import { storeContent } from '../helpers/store-content.js';

/**
 * Redis as providers run it, with real local servers: Sentinel (a master, a replica, a sentinel)
 * failing over in the middle of a run, and a three-master Cluster.
 */
describe('Redis Sentinel and Cluster', () => {
  const f = platform(61, 80, 20, 'any');
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let clean: unknown;
  const stores: TestDatabase[] = [];

  beforeAll(async () => {
    fpbx = await createFusionpbxDatabase('5.5', f);
    clean = await cleanRunContent(fpbx.url);
  }, 60_000);
  afterAll(async () => {
    for (const s of stores) await s.drop();
    await fpbx.drop();
  });

  async function app(redis: Record<string, string>, prefix = testPrefix()): Promise<{ app: TestApp; store: TestDatabase }> {
    const store = await createStoreDatabase();
    stores.push(store);
    const env = { REDIS_URL: '', QUEUE_PREFIX: prefix, SYNC_SCHEDULE: '0 0 1 1 *', HOUSEKEEPING_SCHEDULE: '* * * * * *', SYNC_RETRY_DELAY_MS: '200', WORKER_STALLED_INTERVAL_MS: '1000', WORKER_LOCK_MS: '2000', ...redis };
    return { app: await startTestApp({ store: store.url, fusionpbx: fpbx.url }, env, { source: true, queue: true, worker: true }), store };
  }

  const finished = (a: TestApp, runId: string) =>
    waitFor('the run to end', async () => {
      const run = await a.stores.runs.get(a.db, runId);
      return run && !['queued', 'running'].includes(run.status) ? run : null;
    }, 60_000, 200);

  it('Sentinel: the master dies during a run; the sentinel promotes the replica; the run finishes and the store converges', async () => {
    const set = await startSentinelSet();
    const { app: a, store } = await app({ REDIS_SENTINELS: set.sentinels, REDIS_SENTINEL_NAME: set.name });
    try {
      const before = await set.masterPort();
      const { run } = await a.control!.start({ trigger: 'api', actor: 'test' });
      await waitFor('a few domains applied', async () => (await store.db('sync_runs').where({ parent_id: run.id }).count<{ count: number }[]>('* as count'))[0]!.count >= 2, 30_000, 5);
      await set.killMaster();
      // The run is still going when its Redis master dies.
      expect((await a.stores.runs.get(a.db, run.id))!.status).toBe('running');
      await waitFor('the failover', async () => (await set.masterPort()) !== before, 20_000, 200);
      const promoted = Date.now();
      const end = await finished(a, run.id);
      expect(end).toMatchObject({ status: 'succeeded', error: null });
      expect(Date.parse(end.finishedAt!)).toBeGreaterThan(promoted - 1_000);
      expect(await storeContent(store.db)).toEqual(clean);
    } finally {
      await a.stop();
      await set.stop();
    }
  }, 150_000);

  it('Cluster: a run through the queue on three masters, with a hash-tagged prefix, converges', async () => {
    const cluster = await startRedisCluster();
    const { app: a, store } = await app({ REDIS_CLUSTER_NODES: cluster.nodes }, `{${testPrefix()}}`);
    try {
      const { run } = await a.control!.start({ trigger: 'api', actor: 'test' });
      expect(await finished(a, run.id)).toMatchObject({ status: 'succeeded', error: null });
      expect(await storeContent(store.db)).toEqual(clean);
      expect((await a.queue!.counts()).failed).toBe(0);
    } finally {
      await a.stop();
      await cluster.stop();
    }
  }, 90_000);
});
