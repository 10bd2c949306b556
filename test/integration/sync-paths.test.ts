import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRestStandIn, type RestStandIn } from '../../src/demo/rest-stand-in.js';
import { apiClient } from '../helpers/api.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { cli } from '../helpers/cli.js';
import { createFusionpbxDatabase, createStoreDatabase, type TestDatabase } from '../helpers/databases.js';
import { platform, withLeftovers } from '../helpers/platform.js';
import { dropPrefix, testPrefix, waitFor } from '../helpers/queue.js';
import { sourceNeutralContent, storeContent } from '../helpers/store-content.js';

type Run = { id: string; status: string; error: string | null; domains?: Array<{ status: string; error: string | null }> };

const KEY = '0a1b2c3d-0000-1000-0000-00000000beef:fps-rest-s3cret';

/**
 * Every path a sync is reached by, on one platform whose every id (domain, user, extension, link)
 * is not version 4, with the rows real installs leave behind: the CLI (a real process) and the
 * queue (POST /v1/sync, a worker), from the database and from the REST app. The CLI from the
 * database is the reference; the queue must give the same store table by table, and the REST
 * source the same tenants, users and extensions as far as the REST app can see them.
 */
describe('one platform of non-v4 ids, through the CLI and the queue, from the database and REST', () => {
  // SYNC_PATHS_DOMAINS=100 runs the same matrix on 100 domains of 100 users (the size; ~3 min).
  const f = withLeftovers(platform(14, Number(process.env.SYNC_PATHS_DOMAINS ?? 14), 100, 'any'), 10);
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let rest: RestStandIn;
  let reference: TestDatabase;
  const stores: TestDatabase[] = [];
  const prefixes: string[] = [];

  beforeAll(async () => {
    fpbx = await createFusionpbxDatabase('5.5', f);
    rest = await startRestStandIn({ db: fpbx.db, apiKey: KEY });
    reference = await createStoreDatabase();
    const run = await cli(['sync', '--json'], { DATABASE_URL: reference.url, FUSIONPBX_DATABASE_URL: fpbx.url, LOG_LEVEL: 'warn' });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'succeeded', counts: { users: { created: f.users.length } } });
  }, 600_000);
  afterAll(async () => {
    await rest.close();
    for (const prefix of prefixes) await dropPrefix(prefix);
    for (const store of [...stores, reference]) await store.drop();
    await fpbx.drop();
  });

  const sourceEnv = (source: 'database' | 'rest'): Record<string, string> =>
    source === 'database' ? { FUSIONPBX_SOURCE: 'database', FUSIONPBX_DATABASE_URL: fpbx.url } : { FUSIONPBX_SOURCE: 'rest', FUSIONPBX_API_URL: rest.url, FUSIONPBX_API_KEY: KEY };

  async function fresh(): Promise<TestDatabase> {
    const store = await createStoreDatabase();
    stores.push(store);
    return store;
  }

  async function queueApp(store: TestDatabase, source: 'database' | 'rest'): Promise<TestApp> {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const env = { ...sourceEnv(source), QUEUE_PREFIX: prefix, SYNC_SCHEDULE: '0 0 1 1 *', HOUSEKEEPING_SCHEDULE: '0 0 1 1 *', ACTIVE_CALLS: 'rest', FUSIONPBX_API_URL: rest.url, FUSIONPBX_API_KEY: KEY };
    return startTestApp({ store: store.url }, env, { source: true, queue: true, worker: true, api: true, probe: true });
  }

  /** POST /v1/sync, then the run as GET /v1/sync/runs/:id shows it at its end. */
  async function syncThroughApi(app: TestApp, body: Record<string, unknown> = {}): Promise<Run> {
    const api = apiClient(app.server!);
    const started = await api<{ runId: string }>('POST', '/v1/sync', { body });
    expect(started.status).toBe(202);
    return waitFor(
      `run ${started.body.runId}`,
      async () => {
        const run = await api<Run>('GET', `/v1/sync/runs/${started.body.runId}`);
        return ['queued', 'running'].includes(run.body.status) ? null : run.body;
      },
      300_000,
    );
  }

  // From the database the queue must give the CLI's store table by table; from REST, what REST can see.
  it.each([
    ['database', storeContent],
    ['rest', sourceNeutralContent],
  ] as const)('the queue, reading from the %s, gives the store the CLI gives; a domain named in upper case syncs alone', async (source, content) => {
    const store = await fresh();
    const app = await queueApp(store, source);
    try {
      const run = await syncThroughApi(app);
      expect(run.error).toBeNull();
      expect(run.status).toBe('succeeded');
      expect(await content(store.db)).toEqual(await content(reference.db));
      const one = await syncThroughApi(app, { domain: f.domains[7]!.uuid.toUpperCase() });
      expect(one).toMatchObject({ status: 'succeeded', error: null, domains: [{ status: 'succeeded', error: null }] });
    } finally {
      await app.stop();
    }
  }, 600_000);

  it('an exclusion is lifted by its FusionPBX id in any case, and the next queued run brings the user back', async () => {
    const store = await fresh();
    const app = await queueApp(store, 'database');
    const api = apiClient(app.server!);
    try {
      expect((await syncThroughApi(app, { domain: f.domains[3]!.name })).status).toBe('succeeded');
      const user = await store.db('users').where({ fusionpbx_domain_uuid: f.domains[3]!.uuid }).orderBy('fusionpbx_user_uuid').first();
      // ACTIVE_CALLS=rest: the REST app's call-list says the user is in no call.
      expect((await api('DELETE', `/v1/users/${user.id}`)).status).toBe(204);
      expect((await api('DELETE', `/v1/exclusions/${String(user.fusionpbx_user_uuid).toUpperCase()}`)).status).toBe(204);
      expect((await syncThroughApi(app, { domain: f.domains[3]!.name })).status).toBe('succeeded');
      expect(await store.db('users').where({ fusionpbx_user_uuid: user.fusionpbx_user_uuid }).first()).toMatchObject({ email: user.email, status: 'enabled' });
    } finally {
      await app.stop();
    }
  }, 60_000);

  it('the REST source, through the CLI, reaches the tenants, users and extensions the database source does', async () => {
    const store = await fresh();
    const run = await cli(['sync', '--json'], { DATABASE_URL: store.url, ...sourceEnv('rest'), LOG_LEVEL: 'warn' });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'succeeded', error: null });
    expect(await sourceNeutralContent(store.db)).toEqual(await sourceNeutralContent(reference.db));
    // What REST cannot see stays unknown: no email, no alias, no context was written.
    expect(await store.db('users').whereNotNull('email').count<Array<{ count: number }>>('* as count')).toEqual([{ count: 0 }]);
    expect(await store.db('extensions').whereNotNull('number_alias').orWhereNotNull('user_context').count<Array<{ count: number }>>('* as count')).toEqual([{ count: 0 }]);
  }, 600_000);
});
