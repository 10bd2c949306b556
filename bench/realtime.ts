/**
 * Near-real-time figures (`npm run bench`): what a change-poll tick costs when FusionPBX is quiet,
 * the lag from a FusionPBX edit to the store with SYNC_POLL_SECONDS=2, and a one-user sync through
 * the admin API. Edits are made as FusionPBX's own pages make them (test/helpers/fusionpbx-edits.ts).
 */
import type { Knex } from 'knex';
import { start } from '../src/app/start.js';
import { FusionpbxEdits } from '../test/helpers/fusionpbx-edits.js';
import { startDaemon, type Runner } from './processes.js';
import { summarize } from './stats.js';

export interface RealtimeContext {
  runner: Runner;
  env: Record<string, string>;
  store: Knex;
  fpbx: Knex;
  fpbxUrl: string;
  /** The no-op full sync of this run, the baseline of a tick's cost. */
  noopMs: number;
  /** Rounds of the five kinds of edit for the lag. */
  rounds: number;
  record(f: { figure: string; value: number; unit: string; baseline?: string; ratio?: number; target?: string; ok?: boolean }): void;
  log(text: string): void;
}

const NEVER = '0 0 1 1 *';
const ms = (v: number) => Math.round(v * 10) / 10;

export async function measureRealtime(ctx: RealtimeContext): Promise<void> {
  await tickCost(ctx);
  const token = 'bench-admin-token-0123456789abcdef';
  const daemon = await startDaemon(ctx.runner, 'start', { ...ctx.env, ADMIN_PORT: '0', ADMIN_TOKEN: token, SYNC_POLL_SECONDS: '2', SYNC_SCHEDULE: NEVER, HOUSEKEEPING_SCHEDULE: NEVER, FREESWITCH_ESL: '127.0.0.1:9', FREESWITCH_ESL_PASSWORD: 'no-probe-is-made-here' });
  try {
    await lag(ctx);
    await oneUser(ctx, daemon.url!, token);
  } finally {
    await daemon.stop();
  }
}

/** Ticks of an in-process poll: idle (nothing written) against the no-op full sync, and the FusionPBX query it makes. */
async function tickCost(ctx: RealtimeContext): Promise<void> {
  const app = await start({ env: { ...ctx.env, LOG_LEVEL: 'error' }, parts: { source: true }, processMetrics: false });
  try {
    const poll = app.poll!;
    // The first tick reads every table (this process has no counters yet) and brings the baseline up to date.
    while ((await poll.tick()) === 'changed');
    const idle: number[] = [];
    const query: number[] = [];
    for (let i = 0; i < 30; i++) {
      let t = performance.now();
      const outcome = await poll.tick();
      if (outcome === 'idle') idle.push(performance.now() - t);
      t = performance.now();
      await app.source!.tableWrites!();
      query.push(performance.now() - t);
    }
    const tick = summarize(idle).median;
    ctx.record({ figure: `poll tick, nothing changed (${idle.length} ticks)`, value: ms(tick), unit: 'ms', baseline: 'no-op full sync', ratio: +(tick / ctx.noopMs).toFixed(4), target: '< 5% of the no-op sync', ok: tick / ctx.noopMs < 0.05 });
    const q = summarize(query).median;
    ctx.record({ figure: 'poll tick, nothing changed: its FusionPBX query (round trip, an upper bound of the database time)', value: ms(q), unit: 'ms', target: '< 50 ms', ok: q < 50 });
    // A write FusionPBX makes without touching what we sync (a call-center agent's status, raw SQL).
    const quiet: number[] = [];
    for (let i = 0; i < 5; i++) {
      await ctx.fpbx.transaction(async (trx) => {
        await trx.raw(`update v_users set user_status = ? where user_uuid = (select user_uuid from v_users order by user_uuid offset ? limit 1)`, [`Available ${i}`, i]);
        // This connection stays open: have its counts reported at its next idle moment, as a closing PHP request's are.
        await trx.raw('select pg_stat_force_next_flush()');
      });
      const t = performance.now();
      const outcome = await waitOutcome(poll, 'quiet');
      if (outcome) quiet.push(performance.now() - t);
    }
    if (quiet.length) ctx.record({ figure: `poll tick, v_users written but nothing synced changed (${quiet.length} ticks)`, value: ms(summarize(quiet).median), unit: 'ms', baseline: 'no-op full sync', ratio: +(summarize(quiet).median / ctx.noopMs).toFixed(3) });
  } finally {
    await app.stop();
  }
}

/** Ticks until one has the outcome (the counters of another backend may arrive a moment late). */
async function waitOutcome(poll: { tick(): Promise<string> }, outcome: string): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if ((await poll.tick()) === outcome) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Five kinds of edit, four times each, at random moments: from the edit's commit to the store showing it. */
async function lag(ctx: RealtimeContext): Promise<void> {
  const edits = new FusionpbxEdits(ctx.fpbxUrl);
  const users = (await ctx.fpbx.raw<{ rows: Array<{ user_uuid: string; domain_uuid: string }> }>(`select user_uuid::text, domain_uuid::text from v_users order by md5(user_uuid::text) limit 40`)).rows;
  const exts = (await ctx.fpbx.raw<{ rows: Array<{ extension_uuid: string }> }>(`select extension_uuid::text from v_extensions where enabled order by md5(extension_uuid::text) limit 10`)).rows;
  const user = (uuid: string) => ctx.store('users').where({ fusionpbx_user_uuid: uuid }).first();
  const kinds: Array<(i: number) => Promise<() => Promise<boolean>>> = [
    async (i) => {
      const added = await edits.addUserWithExtension(users[i]!.domain_uuid, `lag${i}`, `lag${i}@bench.example.com`, `9${i}99`);
      return async () => Boolean(await user(added.userUuid));
    },
    async (i) => (await edits.changeEmail(users[10 + i]!.user_uuid, `lag.moved${i}@bench.example.com`), async () => (await user(users[10 + i]!.user_uuid))?.email === `lag.moved${i}@bench.example.com`),
    async (i) => (await edits.deleteUser(users[20 + i]!.user_uuid), async () => (await user(users[20 + i]!.user_uuid))?.status === 'disabled'),
    async (i) => (await edits.disableExtension(exts[i]!.extension_uuid), async () => (await ctx.store('extensions').where({ fusionpbx_extension_uuid: exts[i]!.extension_uuid }).first())?.enabled === false),
    async (i) => (await edits.moveToGroup(users[30 + i]!.user_uuid, 'superadmin'), async () => (await user(users[30 + i]!.user_uuid))?.role === 'superadmin'),
  ];
  // The daemon's first ticks bring its baseline in step with the earlier syncs of the bench.
  await new Promise((r) => setTimeout(r, 6_000));
  const samples: number[] = [];
  for (let round = 0; round < ctx.rounds; round++) {
    for (const kind of kinds) {
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 2_000));
      const arrived = await kind(round);
      const t = performance.now();
      while (!(await arrived())) {
        if (performance.now() - t > 60_000) throw new Error('a FusionPBX edit did not reach the store within 60 s');
        await new Promise((r) => setTimeout(r, 20));
      }
      samples.push(performance.now() - t);
    }
  }
  const s = summarize(samples);
  ctx.record({ figure: `lag of a FusionPBX edit to the store, SYNC_POLL_SECONDS=2, p95 of ${s.n} (5 kinds)`, value: ms(s.p95 / 1000), unit: 's', target: '< 5 s', ok: s.p95 < 5000 });
  ctx.record({ figure: 'lag, median / max', value: ms(s.median / 1000), unit: `s (max ${ms(s.max / 1000)} s)` });
}

/** POST /v1/sync {user} to the end of its run, as an admin would follow it. */
async function oneUser(ctx: RealtimeContext, url: string, token: string): Promise<void> {
  const users = (await ctx.store.raw<{ rows: Array<{ u: string }> }>(`select fusionpbx_user_uuid::text as u from users where fusionpbx_user_uuid is not null and status = 'enabled' order by md5(id::text) limit 12`)).rows;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const samples: number[] = [];
  for (const [i, { u }] of users.entries()) {
    const t = performance.now();
    const started = (await (await fetch(`${url}/v1/sync`, { method: 'POST', headers, body: JSON.stringify({ user: u }) })).json()) as { runId: string };
    for (;;) {
      const run = (await (await fetch(`${url}/v1/sync/runs/${started.runId}?limit=1`, { headers })).json()) as { status: string };
      if (!['queued', 'running'].includes(run.status)) {
        if (run.status !== 'succeeded') throw new Error(`one-user run ${run.status}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    // The first two warm the process up.
    if (i >= 2) samples.push(performance.now() - t);
  }
  const s = summarize(samples);
  ctx.record({ figure: `one-user sync through the API, end to end, median of ${s.n}`, value: ms(s.median), unit: `ms (max ${ms(s.max)} ms)`, target: '< 200 ms', ok: s.median < 200 });
}
