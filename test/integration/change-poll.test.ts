import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRestStandIn } from '../../src/demo/rest-stand-in.js';
import { lockDomains } from '../../src/store/sync-snapshot-store.js';
import { startTestApp, syncOnce, type TestApp } from '../helpers/app.js';
import { createFusionpbxDatabase, createStoreDatabase, rowVersions, type TestDatabase } from '../helpers/databases.js';
import { FusionpbxEdits } from '../helpers/fusionpbx-edits.js';
import { platform } from '../helpers/platform.js';
import { redisUrl } from '../helpers/env.js';
import { dropPrefix, spawnDaemon, testPrefix, waitFor, type Daemon } from '../helpers/queue.js';

const NEVER = '0 0 1 1 *';
const KEY = '0a1b2c3d-0000-1000-0000-00000000c0de:fps-rest-s3cret';

/**
 * Change polling, by itself: the schedule never ticks here, so whatever reaches the store got there
 * through the poll. FusionPBX is edited as its own pages edit it (test/helpers/fusionpbx-edits.ts).
 */
describe('change polling', () => {
  const f = platform(31, 3, 4, 'any');
  const prefix = testPrefix();
  let store: TestDatabase;
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let app: TestApp;
  let edits: FusionpbxEdits;
  const [d0, d1, d2] = f.domains;

  beforeAll(async () => {
    store = await createStoreDatabase();
    fpbx = await createFusionpbxDatabase('5.5', f);
    edits = new FusionpbxEdits(fpbx.url);
    app = await startTestApp({ store: store.url, fusionpbx: fpbx.url }, { QUEUE_PREFIX: prefix, SYNC_POLL_SECONDS: '1', SYNC_SCHEDULE: NEVER, HOUSEKEEPING_SCHEDULE: NEVER }, { source: true, queue: true, worker: true, api: true });
    expect((await syncOnce(app)).status).toBe('succeeded');
    // The first tick takes the baseline.
    await waitFor('the poll baseline', async () => Number((await store.db('poll_state').count<{ count: number }[]>('* as count'))[0]!.count) === 8, 20_000);
  }, 60_000);
  afterAll(async () => {
    await app.stop();
    await dropPrefix(prefix);
    await fpbx.drop();
    await store.drop();
  });

  const user = (uuid: string) => store.db('users').where({ fusionpbx_user_uuid: uuid }).first();
  const lastPollRun = () => store.db('sync_runs').whereNull('parent_id').where({ trigger: 'poll' }).orderBy('queued_at', 'desc').first();

  it('brings each kind of change into the store by itself: a user with an extension, an email, a deletion, a disabled extension, a group', async () => {
    const added = await edits.addUserWithExtension(d0!.uuid, 'Polly', 'Polly.New@P0.example.com', '777');
    const arrived = await waitFor('the new user', async () => user(added.userUuid), 15_000);
    expect(arrived).toMatchObject({ email: 'polly.new@p0.example.com', status: 'enabled', first_name: 'Polly', last_name: 'Polled' });
    expect(await store.db('extensions').where({ fusionpbx_extension_uuid: added.extensionUuid }).first()).toMatchObject({ number: '777', user_id: arrived.id, enabled: true });
    expect(await lastPollRun()).toMatchObject({ status: 'succeeded', scope_domain_uuids: [d0!.uuid] });

    const [emailed, removed] = f.users.filter((u) => u.domainUuid === d1!.uuid);
    await edits.changeEmail(emailed!.uuid, 'moved@p1.example.com');
    await waitFor('the new email', async () => (await user(emailed!.uuid))?.email === 'moved@p1.example.com', 15_000);

    await edits.deleteUser(removed!.uuid);
    await waitFor('the deleted user disabled', async () => (await user(removed!.uuid))?.disabled_reason === 'removed from FusionPBX', 15_000);

    const ext = f.extensions.find((e) => e.domainUuid === d2!.uuid)!;
    await edits.disableExtension(ext.uuid);
    await waitFor('the extension disabled', async () => (await store.db('extensions').where({ fusionpbx_extension_uuid: ext.uuid }).first())?.enabled === false, 15_000);

    const promoted = f.users.find((u) => u.domainUuid === d2!.uuid)!;
    await edits.moveToGroup(promoted.uuid, 'admin');
    await waitFor('the new role', async () => (await user(promoted.uuid))?.role === 'admin', 15_000);

    // Every one of them came by a poll run, and the lag of each was measured.
    expect(await store.db('sync_runs').whereNull('parent_id').whereNot('trigger', 'poll').whereNot('trigger', 'cli').first()).toBeUndefined();
    const metrics = await app.metrics.registry.getSingleMetricAsString('fps_sync_lag_seconds');
    expect(Number(/fps_sync_lag_seconds_count (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(5);
  }, 90_000);

  it('sees a rename made as domain_edit.php makes it; a raw rename that dates nothing waits for the full run', async () => {
    await edits.renameDomainAsDomainEdit(d1!.uuid, d1!.name, 'renamed.example.net');
    await waitFor('the renamed domain', async () => (await store.db('domains').where({ fusionpbx_domain_uuid: d1!.uuid }).first())?.name === 'renamed.example.net', 15_000);
    // The user_context rewritten by the raw replace() came with the domain's dated row.
    expect(await store.db('extensions').where({ fusionpbx_domain_uuid: d1!.uuid, user_context: 'renamed.example.net' }).count<{ count: number }[]>('* as count')).toEqual([{ count: 4 }]);

    const ticks = () => app.metrics.registry.getSingleMetricAsString('fps_poll_ticks_total').then((m) => [...m.matchAll(/fps_poll_ticks_total\{outcome="(\w+)"\} (\d+)/g)].reduce((n, x) => n + Number(x[2]), 0));
    await edits.renameDomainRaw(d2!.uuid, d2!.name, 'scripted.example.net');
    const from = await ticks();
    await waitFor('three more poll ticks', async () => (await ticks()) >= from + 3, 15_000);
    expect((await store.db('domains').where({ fusionpbx_domain_uuid: d2!.uuid }).first()).name).toBe(d2!.name);
    expect((await syncOnce(app)).status).toBe('succeeded');
    expect((await store.db('domains').where({ fusionpbx_domain_uuid: d2!.uuid }).first()).name).toBe('scripted.example.net');
  }, 60_000);

  it('writes nothing to the store while FusionPBX is quiet', async () => {
    await waitFor('a quiet tick', async () => /outcome="idle"\} [1-9]/.test(await app.metrics.registry.getSingleMetricAsString('fps_poll_ticks_total')), 15_000);
    // Every row's version, the run ledger and the poll's baseline included.
    const versions = async () => [...(await rowVersions(store.db)), ...(await store.db.raw<{ rows: Array<{ x: string }> }>(`select string_agg(xmin::text, ',' order by id) as x from sync_runs union all select string_agg(xmin::text, ',' order by fusionpbx_table) from poll_state`)).rows.map((r) => r.x)];
    const before = await versions();
    await new Promise((r) => setTimeout(r, 3_500));
    expect(await versions()).toEqual(before);
  }, 30_000);
});

describe('change polling across replicas', () => {
  const f = platform(32, 2, 3, 'any');
  const prefix = testPrefix();
  let store: TestDatabase;
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let a: TestApp;
  let b: TestApp;
  let edits: FusionpbxEdits;

  beforeAll(async () => {
    store = await createStoreDatabase();
    fpbx = await createFusionpbxDatabase('5.5', f);
    edits = new FusionpbxEdits(fpbx.url);
    // Two replicas whose timers are off: the test ticks them itself.
    const env = { QUEUE_PREFIX: prefix, SYNC_SCHEDULE: NEVER, HOUSEKEEPING_SCHEDULE: NEVER };
    a = await startTestApp({ store: store.url, fusionpbx: fpbx.url }, env, { source: true, queue: true, api: true });
    b = await startTestApp({ store: store.url, fusionpbx: fpbx.url }, env, { source: true, queue: true, api: true });
    expect((await syncOnce(a)).status).toBe('succeeded');
    expect(await a.poll!.tick()).toBe('quiet');
  }, 60_000);
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await dropPrefix(prefix);
    await fpbx.drop();
    await store.drop();
  });

  it('never ticks twice at once: of two replicas ticking together, one polls and one is told the other is busy', async () => {
    const target = f.users[0]!;
    await edits.changeEmail(target.uuid, 'both@replicas.example.com');
    const outcomes = await Promise.all([a.poll!.tick(), b.poll!.tick()]);
    expect(outcomes.sort()).toEqual(['busy', 'changed']);
    expect((await store.db('users').where({ fusionpbx_user_uuid: target.uuid }).first()).email).toBe('both@replicas.example.com');
    // The other replica's next tick reads the tables again and finds the change already consumed.
    expect(['quiet', 'idle']).toContain(await (outcomes[0] === 'busy' ? a : b).poll!.tick());
  }, 30_000);

  it('waits for a full run applying the same domain: the poll applies after it, never beside it', async () => {
    const target = f.users[1]!;
    await edits.changeEmail(target.uuid, 'after@the-full-run.example.com');
    // A full run applying the domain holds its advisory lock; this transaction takes the same one.
    const held = await store.db.transaction();
    await lockDomains(held, [target.domainUuid]);
    let done = false;
    const tick = a.poll!.tick().finally(() => (done = true));
    await new Promise((r) => setTimeout(r, 1_000));
    // The poll found the change and waits on the domain's lock: nothing of it is written yet.
    expect(done).toBe(false);
    expect((await store.db('users').where({ fusionpbx_user_uuid: target.uuid }).first()).email).not.toBe('after@the-full-run.example.com');
    await held.commit();
    expect(await tick).toBe('changed');
    expect((await store.db('users').where({ fusionpbx_user_uuid: target.uuid }).first()).email).toBe('after@the-full-run.example.com');
  }, 30_000);

  it('is off for the REST source, which cannot tell what changed, and says so at start', async () => {
    const rest = await startRestStandIn({ db: fpbx.db, apiKey: KEY });
    const restPrefix = testPrefix();
    const app = await startTestApp(
      { store: store.url },
      { QUEUE_PREFIX: restPrefix, FUSIONPBX_SOURCE: 'rest', FUSIONPBX_API_URL: rest.url, FUSIONPBX_API_KEY: KEY, SYNC_POLL_SECONDS: '1', SYNC_SCHEDULE: NEVER, HOUSEKEEPING_SCHEDULE: NEVER },
      { source: true, queue: true, worker: true },
    );
    try {
      expect(app.poll!.supported).toBe(false);
      expect(app.pollTimer).toBeNull();
      expect(app.logs.messages().some((m) => String(m.msg).startsWith('change polling is off'))).toBe(true);
    } finally {
      await app.stop();
      await rest.close();
      await dropPrefix(restPrefix);
    }
  }, 30_000);
});

describe('change polling in two worker processes', () => {
  const f = platform(33, 3, 3, 'any');
  const prefix = testPrefix();
  let store: TestDatabase;
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  const workers: Daemon[] = [];

  beforeAll(async () => {
    store = await createStoreDatabase();
    fpbx = await createFusionpbxDatabase('5.5', f);
    const app = await startTestApp({ store: store.url, fusionpbx: fpbx.url }, { QUEUE_PREFIX: prefix }, { source: true });
    expect((await syncOnce(app)).status).toBe('succeeded');
    await app.stop();
    const env = { DATABASE_URL: store.url, FUSIONPBX_DATABASE_URL: fpbx.url, REDIS_URL: redisUrl(), QUEUE_PREFIX: prefix, ADMIN_PORT: '0', SYNC_POLL_SECONDS: '1', SYNC_SCHEDULE: NEVER, HOUSEKEEPING_SCHEDULE: NEVER };
    for (let i = 0; i < 2; i++) workers.push(spawnDaemon('worker', env));
    for (const w of workers) await waitFor('a worker to start', async () => w.output.some((l) => l.includes('change polling on')), 30_000);
  }, 90_000);
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await dropPrefix(prefix);
    await fpbx.drop();
    await store.drop();
  });

  it('brings every edit in once, and no two poll runs are ever live at the same time', async () => {
    const edits = new FusionpbxEdits(fpbx.url);
    for (const [i, user] of f.users.slice(0, 6).entries()) {
      await edits.changeEmail(user.uuid, `two.workers${i}@p.example.com`);
      await new Promise((r) => setTimeout(r, 400));
    }
    for (const [i, user] of f.users.slice(0, 6).entries()) {
      await waitFor(`edit ${i}`, async () => (await store.db('users').where({ fusionpbx_user_uuid: user.uuid }).first())?.email === `two.workers${i}@p.example.com`, 20_000);
    }
    const runs = await store.db('sync_runs').whereNull('parent_id').where({ trigger: 'poll' }).orderBy('started_at').select('started_at', 'finished_at', 'status');
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    for (let i = 1; i < runs.length; i++) expect(Date.parse(runs[i]!.started_at)).toBeGreaterThanOrEqual(Date.parse(runs[i - 1]!.finished_at));
    // Each email change was logged once, by one poll run.
    const logged = await store.db('sync_changes').where({ entity: 'user', kind: 'change' }).whereRaw(`after->>'email' like 'two.workers%'`).count<{ count: number }[]>('* as count');
    expect(Number(logged[0]!.count)).toBe(6);
  }, 60_000);
});
