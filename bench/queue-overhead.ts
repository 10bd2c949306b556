/**
 * The queue's cost on a small run: `npx tsx bench/queue-overhead.ts`. The same FusionPBX data (the
 * demo: 3 domains, 53 users) synced into an empty store, 7 times in-process (the CLI path) and 7
 * times through BullMQ with one worker; reports the median of each, their ratio, and the time from
 * trigger to run start through the queue.
 */
import { start } from '../src/app/start.js';
import { createKnex } from '../src/common/postgres.js';
import { dropDatabase, ensureDatabase } from '../src/demo/databases.js';
import { demoFactory } from '../src/demo/demo-data.js';
import { summarize } from './stats.js';

const server = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const fpbxUrl = await ensureDatabase(server, 'fps_bench_queue_fpbx', { fresh: true });
const fpbx = createKnex(fpbxUrl, { applicationName: 'bench', poolMax: 2 });
await demoFactory().install(fpbx, '5.5');
await fpbx.destroy();

async function once(viaQueue: boolean, i: number): Promise<{ total: number; toStart: number }> {
  const name = `fps_bench_queue_${viaQueue ? 'q' : 'p'}${i}`;
  const storeUrl = await ensureDatabase(server, name, { fresh: true });
  const app = await start({
    env: { DATABASE_URL: storeUrl, FUSIONPBX_DATABASE_URL: fpbxUrl, REDIS_URL: 'redis://127.0.0.1:6379', QUEUE_PREFIX: `fps-bench-${name}`, LOG_LEVEL: 'error', SYNC_SCHEDULE: '0 0 1 1 *' },
    parts: viaQueue ? { source: true, queue: true, worker: true } : { source: true },
    processMetrics: false,
  });
  try {
    const t0 = performance.now();
    const { run } = await app.sync!.requestRun({ trigger: viaQueue ? 'api' : 'cli', actor: 'bench' });
    if (viaQueue) await app.queue!.enqueueRun(run.id);
    const final = viaQueue ? await app.pipeline!.waitFor(run.id, 5) : await app.pipeline!.runInProcess(run.id);
    const total = performance.now() - t0;
    if (final.status !== 'succeeded') throw new Error(`run ${final.status}`);
    const toStart = Date.parse(final.startedAt!) - Date.parse(final.queuedAt);
    return { total, toStart };
  } finally {
    await app.queue?.queue.obliterate({ force: true });
    await app.stop();
    await dropDatabase(server, name);
  }
}

const inProcess: number[] = [];
const queued: number[] = [];
const toStart: number[] = [];
for (let i = 0; i < 8; i++) {
  const p = await once(false, i);
  const q = await once(true, i);
  if (i === 0) continue; // warm-up
  inProcess.push(p.total);
  queued.push(q.total);
  toStart.push(q.toStart);
}
await dropDatabase(server, 'fps_bench_queue_fpbx');
const a = summarize(inProcess);
const b = summarize(queued);
console.log(JSON.stringify({ inProcessMs: a, queueMs: b, queueOverInProcess: +(b.median / a.median).toFixed(2), triggerToStartMs: summarize(toStart) }, null, 2));
