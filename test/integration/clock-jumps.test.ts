import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createFusionpbxDatabase, createStoreDatabase, type TestDatabase } from '../helpers/databases.js';
import { platform } from '../helpers/platform.js';
import { dropPrefix, testPrefix, waitFor } from '../helpers/queue.js';

/**
 * The schedule when the clock jumps. Only `Date` is faked, in this process, where the worker and
 * its BullMQ connections run: BullMQ places and promotes ticks by the timestamps this process
 * sends, so moving `Date` is a clock jump as the schedule sees it. Timers stay real.
 */
describe('clock jumps', () => {
  const HOUR = 3_600_000;
  const EVERY_2S = '*/2 * * * * *';
  const f = platform(131, 2, 20);
  const prefix = testPrefix();
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let store: TestDatabase;
  let worker: TestApp;
  const env = () => ({ QUEUE_PREFIX: prefix, SYNC_SCHEDULE: EVERY_2S, HOUSEKEEPING_SCHEDULE: '0 0 1 1 *' });
  const urls = () => ({ store: store.url, fusionpbx: fpbx.url });
  const scheduledRuns = async () => Number((await store.db('sync_runs').whereNull('parent_id').where({ trigger: 'schedule' }).count<{ count: string }[]>('* as count'))[0]!.count);
  const nextTick = async () => (await worker.queue!.currentSchedule())!.next;
  const jump = (ms: number) => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + ms);
  };

  beforeAll(async () => {
    [fpbx, store] = await Promise.all([createFusionpbxDatabase('5.5', f), createStoreDatabase()]);
    worker = await startTestApp(urls(), env(), { source: true, queue: true, worker: true });
    await waitFor('a first scheduled run', async () => (await scheduledRuns()) >= 1, 20_000);
  });
  afterEach(() => vi.useRealTimers());
  afterAll(async () => {
    vi.useRealTimers();
    await worker.stop();
    await dropPrefix(prefix);
    await store.drop();
    await fpbx.drop();
  });

  it('a jump forward runs the due tick once and places the next from the new time; the skipped hour is not run in a burst', async () => {
    const before = await scheduledRuns();
    jump(HOUR);
    await sleep(5_000);
    const ran = (await scheduledRuns()) - before;
    // Five seconds at a two-second cadence: two or three ticks (a tick that finds a run live joins
    // it), never the 1,800 ticks of the hour skipped.
    expect(ran).toBeGreaterThanOrEqual(1);
    expect(ran).toBeLessThanOrEqual(4);
    expect(await nextTick()).toBeLessThanOrEqual(Date.now() + 4_000);
  });

  it('after a jump back the next tick would be an hour away: housekeeping places it again from now, and the schedule runs', async () => {
    // The tick is placed by a clock an hour ahead; then the clock goes back.
    jump(HOUR);
    await worker.queue!.upsertSchedule(EVERY_2S, 'UTC');
    vi.useRealTimers();
    expect(await nextTick()).toBeGreaterThan(Date.now() + HOUR - 60_000);

    const before = await scheduledRuns();
    await worker.housekeeping!.runOnce();
    expect(await nextTick()).toBeLessThanOrEqual(Date.now() + 4_000);
    await waitFor('a scheduled run after the repair', async () => (await scheduledRuns()) > before, 15_000);
    expect(worker.logs.messages().some((m) => m.level === 40 && String(m.msg).includes('clock went back'))).toBe(true);

    // A schedule within its cadence is left alone.
    const placed = await nextTick();
    await worker.housekeeping!.ensureSchedule();
    expect(await nextTick()).toBe(placed);
  });

  it('a process started with a new SYNC_SCHEDULE replaces the schedule; the periodic check of an older replica does not put it back', async () => {
    const newer = await startTestApp(urls(), { ...env(), SYNC_SCHEDULE: '0 0 1 1 *' }, { source: true, queue: true, worker: true });
    try {
      expect(await worker.queue!.currentSchedule()).toMatchObject({ pattern: '0 0 1 1 *', tz: 'UTC' });
      await worker.housekeeping!.runOnce();
      expect(await worker.queue!.currentSchedule()).toMatchObject({ pattern: '0 0 1 1 *' });
      expect(await worker.queue!.queue.getJobSchedulersCount()).toBe(1);
    } finally {
      await newer.stop();
    }
  });
});
