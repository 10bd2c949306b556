import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import { startFreeswitchStandIn, type FreeswitchStandIn, type StandInChannel } from '../../src/demo/freeswitch-stand-in.js';
import { startRestStandIn, type RestStandIn } from '../../src/demo/rest-stand-in.js';
import { apiClient } from '../helpers/api.js';
import { actor, startTestApp, syncOnce, type TestApp } from '../helpers/app.js';
import { createFusionpbxDatabase, createStoreDatabase, rowVersions, rowsWritten, type TestDatabase } from '../helpers/databases.js';
import { TEST_SECRETS } from '../helpers/env.js';

const CALL = { uuid: '5d0f7a3e-2b1c-4c7e-9a51-0c3e2a7d9f10', presence_id: '101@guard.example.net', callstate: 'ACTIVE' };
const REST_KEY = `0badc0de-0000-0000-0000-000000000001:${TEST_SECRETS.restSecret}`;

/**
 * The guard on delete and unassign, with each probe that can answer it: FreeSWITCH's event socket
 * (a stand-in peer), and the REST app's call-list (the REST stand-in, reading the same FreeSWITCH
 * channels as the app reads them over the event socket).
 */
describe.each(['esl', 'rest'] as const)('active-call guard on delete and unassign (ACTIVE_CALLS=%s)', (probe) => {
  const f = new FusionpbxFactory(31);
  const d = f.domain('guard.example.net');
  const alice = f.user(d, 'alice');
  f.link(f.extension(d, '101', { numberAlias: '5101' }), alice);
  f.user(d, 'bob');
  f.extension(d, '102');
  f.extension(d, '103');
  let store: TestDatabase;
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let fs: FreeswitchStandIn;
  let rest: RestStandIn;
  let app: TestApp;
  let aliceId: string;
  const live = { channels: [] as StandInChannel[], hang: false };

  beforeAll(async () => {
    store = await createStoreDatabase();
    fpbx = await createFusionpbxDatabase('5.5', f);
    fs = await startFreeswitchStandIn({ password: TEST_SECRETS.eslPassword });
    rest = await startRestStandIn({ db: fpbx.db, apiKey: REST_KEY, channels: () => live.channels, fault: () => (live.hang ? 'hang' : undefined) });
    const probeEnv: Record<string, string> =
      probe === 'esl'
        ? { ACTIVE_CALLS: 'esl', FREESWITCH_ESL: `127.0.0.1:${fs.port}`, FREESWITCH_ESL_PASSWORD: TEST_SECRETS.eslPassword }
        : { ACTIVE_CALLS: 'rest', FUSIONPBX_API_URL: rest.url, FUSIONPBX_API_KEY: REST_KEY };
    app = await startTestApp({ store: store.url, fusionpbx: fpbx.url }, { ...probeEnv, PROBE_TIMEOUT_MS: '500' }, { source: true, probe: true, api: true });
    await syncOnce(app);
    aliceId = (await store.db('users').where({ fusionpbx_user_uuid: alice.uuid }).first()).id;
  });
  afterAll(async () => {
    await app.stop();
    await rest.close();
    await fs.close();
    await fpbx.drop();
    await store.drop();
  });
  const setChannels = (channels: StandInChannel[]) => {
    live.channels = channels;
    fs.channels = channels;
  };
  const setHang = (hang: boolean) => {
    live.hang = hang;
    fs.setHang(hang);
  };
  beforeEach(() => {
    setChannels([]);
    setHang(false);
    fs.setBreakage(null);
  });

  it.runIf(probe === 'esl').each(['bad-length', 'endless-headers'] as const)(
    'a peer that breaks the framing (%s) gets the delete a 503 within PROBE_TIMEOUT_MS plus a second; /healthz answers throughout',
    async (breakage) => {
      setChannels([CALL]);
      fs.setBreakage(breakage);
      const api = apiClient(app.server!);
      const started = performance.now();
      let done = false;
      const deleting = api('DELETE', `/v1/users/${aliceId}`).finally(() => (done = true));
      const health: number[] = [];
      while (!done) {
        health.push((await api('GET', '/healthz')).status);
        await new Promise((r) => setTimeout(r, 20));
      }
      const reply = await deleting;
      expect(reply.status).toBe(503);
      expect(reply.body).toMatchObject({ error: { code: 'ACTIVE_CALLS_UNAVAILABLE', message: expect.stringMatching(/broke its framing/) } });
      expect(performance.now() - started).toBeLessThan(500 + 1000);
      expect(health.length).toBeGreaterThan(0);
      expect(health.every((s) => s === 200)).toBe(true);
      expect(await store.db('users').where({ id: aliceId }).first()).toBeDefined();
    },
  );

  it('refuses to delete a user whose extension is in a call (409), and writes nothing', async () => {
    setChannels([CALL]);
    const before = await rowVersions(store.db);
    const changes = await store.db('sync_changes').count<{ count: number }[]>('* as count');
    await expect(app.lifecycle!.delete(aliceId, actor('admin'))).rejects.toMatchObject({
      code: 'USER_IN_ACTIVE_CALL',
      message: expect.stringMatching(/extension 101 is in a call/),
      details: { calls: [expect.objectContaining({ number: '101', callUuid: CALL.uuid })] },
    });
    expect(rowsWritten(before, await rowVersions(store.db))).toBe(0);
    expect(await store.db('sync_changes').count<{ count: number }[]>('* as count')).toEqual(changes);
  });

  it('refuses a call found by the extension\'s alias, or on a leg ringing it from the public context', async () => {
    setChannels([{ ...CALL, presence_id: '5101@guard.example.net', context: 'guard.example.net' }]);
    await expect(app.lifecycle!.delete(aliceId, actor('admin'))).rejects.toMatchObject({ code: 'USER_IN_ACTIVE_CALL' });
    setChannels([{ ...CALL, presence_id: '101@guard.example.net', context: 'public', cid_num: '5551234', dest: '101', callstate: 'RINGING' }]);
    await expect(app.lifecycle!.delete(aliceId, actor('admin'))).rejects.toMatchObject({ code: 'USER_IN_ACTIVE_CALL' });
  });

  it('refuses when the probe cannot answer (503), and writes nothing', async () => {
    setHang(true);
    const before = await rowVersions(store.db);
    await expect(app.lifecycle!.delete(aliceId, actor('admin'))).rejects.toMatchObject({ code: 'ACTIVE_CALLS_UNAVAILABLE' });
    expect(rowsWritten(before, await rowVersions(store.db))).toBe(0);
  });

  it('guards unassigning an extension an admin assigned to a manual user', async () => {
    const tenant = await store.db('tenants').first();
    const manual = await app.users!.create({ email: 'carol@guard.example', password: TEST_SECRETS.userPassword, tenantId: tenant.id, role: 'user' }, actor('admin'));
    const ext = await store.db('extensions').where({ number: '102' }).first();
    await app.lifecycle!.assignExtension(manual.id, ext.id, actor('admin'));
    setChannels([{ ...CALL, presence_id: '102@guard.example.net' }]);
    await expect(app.lifecycle!.unassignExtension(manual.id, ext.id, actor('admin'))).rejects.toMatchObject({ code: 'USER_IN_ACTIVE_CALL' });
    expect((await store.db('extensions').where({ id: ext.id }).first()).user_id).toBe(manual.id);
    setChannels([]);
    await app.lifecycle!.unassignExtension(manual.id, ext.id, actor('admin'));
    expect(await store.db('extensions').where({ id: ext.id }).first()).toMatchObject({ user_id: null, link_source: null });
  });

  it('deletes an idle synced user, excludes it from later syncs, and logs who did it', async () => {
    setChannels([{ ...CALL, presence_id: '999@guard.example.net' }]);
    await app.lifecycle!.delete(aliceId, actor('ops'));
    expect(await store.db('users').where({ id: aliceId }).first()).toBeUndefined();
    expect(await store.db('user_exclusions').where({ fusionpbx_user_uuid: alice.uuid }).first()).toMatchObject({ excluded_by: 'ops' });
    expect(await store.db('sync_changes').where({ object_id: aliceId, action: 'deleted' }).first()).toMatchObject({ actor: 'ops', applied: true });
    const run = await syncOnce(app);
    expect(run.counts.users?.created ?? 0).toBe(0);
    expect(await store.db('users').where({ fusionpbx_user_uuid: alice.uuid }).first()).toBeUndefined();
    expect(await store.db('extensions').where({ number: '101' }).first()).toMatchObject({ user_id: null });
  });
});
