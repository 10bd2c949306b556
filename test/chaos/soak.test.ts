import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreeswitchStandIn, type FreeswitchStandIn } from '../../src/demo/freeswitch-stand-in.js';
import { createFusionpbxDatabase, createStoreDatabase, type TestDatabase } from '../helpers/databases.js';
import { TEST_ADMIN_TOKEN, TEST_SECRETS, redisUrl } from '../helpers/env.js';
import { platform } from '../helpers/platform.js';
import { cleanRunContent } from '../helpers/reference.js';
import { dropPrefix, spawnDaemon, testPrefix, waitFor, type Daemon } from '../helpers/queue.js';
import { storeContent } from '../helpers/store-content.js';

/**
 * The soak: one `start` process (worker, schedule and admin API) syncs a 10,000-user platform
 * every 30 s while 1% of it changes before each tick and the admin API takes mixed reads and
 * writes. At the end no job is stuck, memory has stayed within its bounds, and the store matches
 * FusionPBX exactly. SOAK_MINUTES sets the length (10 by default).
 */
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
/**
 * Bounds, stated. After a two-minute warm-up: the V8 heap's live data (the lows between
 * collections) grows less than HEAP_GROWTH_MB — the leak check; the resident set grows less than
 * RSS_GROWTH_MB (it also counts what the allocator keeps: each password hash takes 128 MiB of scrypt
 * memory, which glibc does not always give back); Redis stays under REDIS_MAX_MB.
 */
const HEAP_GROWTH_MB = 32;
const RSS_GROWTH_MB = 120;
const REDIS_MAX_MB = 64;

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe(`soak: ${MINUTES} minutes of scheduled syncs with churn, under admin load`, () => {
  const f = platform(131, 100, 100);
  const prefix = testPrefix();
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let store: TestDatabase;
  let fs: FreeswitchStandIn;
  let daemon: Daemon;
  let url: string;
  const redis = new Redis(redisUrl());

  beforeAll(async () => {
    [fpbx, store] = await Promise.all([createFusionpbxDatabase('5.5', f), createStoreDatabase()]);
    fs = await startFreeswitchStandIn({ password: TEST_SECRETS.eslPassword });
    daemon = spawnDaemon('start', {
      DATABASE_URL: store.url,
      FUSIONPBX_DATABASE_URL: fpbx.url,
      REDIS_URL: redisUrl(),
      QUEUE_PREFIX: prefix,
      ADMIN_PORT: '0',
      ADMIN_HOST: '127.0.0.1',
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      FREESWITCH_ESL: `127.0.0.1:${fs.port}`,
      FREESWITCH_ESL_PASSWORD: TEST_SECRETS.eslPassword,
      SYNC_SCHEDULE: '*/30 * * * * *',
      // Polling beside the schedule: a churn rewrites every table, so polls and full runs meet on every domain.
      SYNC_POLL_SECONDS: '5',
      SYNC_MAX_DISABLE: '5%',
    });
    url = await waitFor('the admin API', async () => /"url":"([^"]+)"/.exec(daemon.output.join('\n'))?.[1], 60_000);
  }, 120_000);
  afterAll(async () => {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    redis.disconnect();
    await fs.close();
    await dropPrefix(prefix);
    await store.drop();
    await fpbx.drop();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null };
  };

  /** 1% of the platform changes: names, emails, removals and new users, in equal parts. */
  let added = 0;
  function churn(): void {
    const per = Math.round(f.users.length / 100 / 4);
    const pick = () => f.users[Math.floor(Math.random() * f.users.length)]!;
    for (let i = 0; i < per; i++) pick().contact!.given = `Renamed${added}-${i}`;
    for (let i = 0; i < per; i++) {
      const user = pick();
      user.email = `moved${added}-${i}.${user.email}`;
    }
    for (let i = 0; i < per; i++) f.removeUser(pick());
    for (let i = 0; i < per; i++, added++) {
      const domain = f.domains[added % f.domains.length]!;
      f.link(f.extension(domain, String(5000 + added)), f.user(domain, `new${added}`, { email: `new${added}@soak.example.com`, contact: { given: 'New', family: `User${added}` } }));
    }
  }

  /** Mixed admin traffic: searches, reads, and writes on manual users only (FusionPBX owns the synced ones). */
  async function adminLoad(until: number, tally: Map<number, number>): Promise<void> {
    const tenants = ((await api('GET', '/v1/tenants?limit=10')).body?.items ?? []) as Array<{ id: string }>;
    expect(tenants.length).toBeGreaterThan(0);
    const manual: string[] = [];
    for (let n = 0; Date.now() < until; n++) {
      const calls: Array<Promise<{ status: number; body: Record<string, unknown> | null }>> = [
        api('GET', `/v1/users?q=user${n % 100}&limit=20`),
        api('GET', '/v1/sync/runs?limit=5'),
      ];
      if (n % 5 === 0 && tenants.length > 0) {
        calls.push(
          api('POST', '/v1/users', { email: `admin${n}@manual.example.org`, password: TEST_SECRETS.userPassword, tenantId: tenants[n % tenants.length]!.id, role: 'user' }).then((r) => {
            if (r.status === 201) manual.push(String(r.body!.id));
            return r;
          }),
        );
      }
      const id = manual[n % Math.max(manual.length, 1)];
      if (id && n % 3 === 0) calls.push(api('PATCH', `/v1/users/${id}`, { firstName: `Edited${n}` }));
      if (id && n % 7 === 0) calls.push(api('POST', `/v1/users/${id}/disable`, { reason: 'soak' }).then(() => api('POST', `/v1/users/${id}/enable`, {})));
      if (id && n % 11 === 0) calls.push(api('GET', `/v1/users/${id}`));
      for (const r of await Promise.all(calls)) tally.set(r.status, (tally.get(r.status) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const id of manual) {
      const r = await api('DELETE', `/v1/users/${id}`);
      tally.set(r.status, (tally.get(r.status) ?? 0) + 1);
    }
  }

  it('keeps up, leaks nothing, and ends with the store matching FusionPBX', async () => {
    const pid = daemon.child.pid!;
    await waitFor('the first scheduled run', async () => (await store.db('sync_runs').whereNull('parent_id').where({ status: 'succeeded' }).first()) ?? null, 90_000, 500);
    const started = Date.now();
    const end = started + MINUTES * 60_000;
    const tally = new Map<number, number>();
    const samples: Array<{ at: number; rss: number; heap: number; redis: number }> = [];
    const sample = async () => {
      const info = await redis.info('memory');
      // The V8 heap after a full collection is the leak detector; RSS also counts what the allocator keeps.
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const heap = Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)![1]) / 2 ** 20;
      samples.push({ at: Date.now() - started, rss: rssMb(pid), heap, redis: Number(/used_memory:(\d+)/.exec(info)![1]) / 2 ** 20 });
    };
    const load = adminLoad(end, tally);
    // Churn lands 10 s before each 30 s tick.
    while (Date.now() < end) {
      await sample();
      const now = Date.now();
      const nextChurn = Math.ceil((now + 10_000) / 30_000) * 30_000 - 10_000;
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(nextChurn, end) - now)));
      if (Date.now() >= end) break;
      churn();
      await fpbx.rewrite();
    }
    await load;
    await sample();

    // The last change has been synced: a scheduled run that began after it ended well.
    const lastChange = new Date();
    await waitFor('a run after the last change', async () =>
      (await store.db('sync_runs').whereNull('parent_id').where({ trigger: 'schedule' }).where('started_at', '>', lastChange).whereIn('status', ['succeeded', 'failed', 'quarantined']).first()) ?? null,
    90_000, 500);
    await waitFor('every run to end', async () => (await store.db('sync_runs').whereIn('status', ['queued', 'running']).first()) === undefined, 60_000, 500);

    const runs = (await store.db('sync_runs').whereNull('parent_id').select('status', 'trigger')) as Array<{ status: string; trigger: string }>;
    const scheduled = runs.filter((r) => r.trigger === 'schedule');
    expect(scheduled.length).toBeGreaterThanOrEqual(MINUTES * 2 - 2);
    expect(scheduled.filter((r) => r.status !== 'succeeded')).toEqual([]);
    // No job stuck: nothing active or waiting, nothing failed.
    const counts = await new (await import('bullmq')).Queue('sync', { connection: redis, prefix }).getJobCounts('active', 'waiting', 'waiting-children', 'failed', 'prioritized');
    expect(counts).toEqual({ active: 0, waiting: 0, 'waiting-children': 0, failed: 0, prioritized: 0 });
    // The admin load never met a server error.
    expect([...tally.keys()].filter((s) => s >= 500)).toEqual([]);
    expect(tally.get(201)).toBeGreaterThan(0);
    expect(tally.get(204) ?? 0).toBe(tally.get(201));
    // Memory: after a two-minute warm-up the process grows less than the bound; Redis stays small.
    const warm = samples.find((s) => s.at >= 120_000) ?? samples[0]!;
    const last = samples[samples.length - 1]!;
    process.stderr.write(
      `soak: ${scheduled.length} scheduled runs, ${[...tally.values()].reduce((a, b) => a + b, 0)} admin requests ${JSON.stringify(Object.fromEntries(tally))}, ` +
        `RSS ${warm.rss.toFixed(0)} -> ${last.rss.toFixed(0)} MB (max ${Math.max(...samples.map((s) => s.rss)).toFixed(0)}), heap ${samples.map((s) => s.heap.toFixed(0)).join(' ')} MB, Redis max ${Math.max(...samples.map((s) => s.redis)).toFixed(1)} MB\n`,
    );
    expect(last.rss - warm.rss).toBeLessThan(RSS_GROWTH_MB);
    // The heap saws up and down with collections; its lows are the live data. The lows of the last
    // third may exceed those of the first third (after warm-up) by less than the bound.
    const steady = samples.filter((s) => s.at >= warm.at);
    const third = Math.max(1, Math.floor(steady.length / 3));
    const low = (part: typeof steady) => Math.min(...part.map((s) => s.heap));
    expect(low(steady.slice(-third)) - low(steady.slice(0, third))).toBeLessThan(HEAP_GROWTH_MB);
    expect(Math.max(...samples.map((s) => s.redis))).toBeLessThan(REDIS_MAX_MB);
    // The store matches FusionPBX exactly: every user FusionPBX has is as a clean run of the final
    // data leaves it; every user it removed is kept, disabled by the sync (never deleted).
    const clean = await cleanRunContent(fpbx.url);
    const mine = await storeContent(store.db);
    const upstream = new Set(f.users.map((u) => u.uuid));
    const present = (u: unknown) => upstream.has((u as { fusionpbx_user_uuid: string }).fusionpbx_user_uuid);
    expect({ ...mine, users: mine.users.filter(present) }).toEqual(clean);
    const removed = mine.users.filter((u) => !present(u)) as Array<{ status: string; disabled_by: string }>;
    expect(removed.length).toBeGreaterThan(0);
    expect(removed.every((u) => u.status === 'disabled' && u.disabled_by === 'sync')).toBe(true);
  }, (MINUTES + 6) * 60_000);
});
