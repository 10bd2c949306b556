import nock from 'nock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import { startTestApp, syncOnce, type TestApp } from '../helpers/app.js';
import { createFusionpbxDatabase, createStoreDatabase, rowVersions, rowsWritten, type TestDatabase } from '../helpers/databases.js';
import { TEST_SECRETS } from '../helpers/env.js';

/**
 * Hostile FusionPBX data, end to end into the store: each bad row gets a clear problem record and
 * is not written; the good rows around it sync; the run ends and a second run writes nothing.
 */
describe('bad FusionPBX data, end to end', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  async function syncInto(f: FusionpbxFactory) {
    const store = await createStoreDatabase();
    const fpbx = await createFusionpbxDatabase('5.4', f);
    const app = await startTestApp({ store: store.url, fusionpbx: fpbx.url });
    cleanup.push(() => store.drop(), () => fpbx.drop(), () => app.stop());
    return { store, app };
  }
  const problemsOf = async (store: TestDatabase, runId: string) =>
    (await store.db('sync_changes').where({ run_id: runId }).whereNot('kind', 'change').select('kind', 'code', 'fusionpbx_uuid', 'message')) as Array<{ kind: string; code: string; fusionpbx_uuid: string; message: string }>;

  it('emails empty, malformed, 300 characters long, or equal but for case or Unicode form; odd names; unknown flags; 10,000 extensions; an odd domain name', async () => {
    const f = new FusionpbxFactory(97);
    const odd = f.domain('Bad.Example.NET.');
    const other = f.domain('other.example.net');
    const big = f.domain('big.example.net');
    const long = f.user(odd, 'long', { email: `${'a'.repeat(60)}.${'b'.repeat(60)}@${'c'.repeat(170)}.example.com` });
    const empty = f.user(odd, 'empty', { email: '' });
    const malformed = f.user(odd, 'malformed', { email: 'not an email@@' });
    const upper = f.user(odd, 'upper', { email: 'Same.Person@Example.com' });
    const lower = f.user(other, 'lower', { email: 'same.person@example.com' });
    const nfc = f.user(odd, 'nfc', { email: 'jos\u00e9@example.com' });
    const nfd = f.user(other, 'nfd', { email: 'jose\u0301@example.com' });
    const control = f.user(odd, 'control', { email: 'control@example.com', contact: { given: 'Ann\u0007e', family: 'Lee\u001b[31m' } });
    const emoji = f.user(odd, 'emoji', { email: 'emoji@example.com', contact: { given: '😀 Smile', family: 'שלום' } });
    const flaky = f.user(odd, 'flaky', { email: 'flaky@example.com', enabled: 'sometimes' });
    for (let n = 0; n < 10_000; n++) f.extension(big, String(10_000 + n));
    f.extension(odd, '100', { enabled: 'maybe' });

    const { store, app } = await syncInto(f);
    const run = await syncOnce(app);
    expect(run.status).toBe('succeeded');
    const problems = await problemsOf(store, run.id);
    const problem = (uuid: string) => problems.filter((p) => p.fusionpbx_uuid === uuid).map((p) => `${p.kind}:${p.code}`);
    const user = async (fx: { uuid: string }) => store.db('users').where({ fusionpbx_user_uuid: fx.uuid }).first();

    expect((await store.db('tenants').pluck('name')).sort()).toEqual(['bad.example.net', 'big.example.net', 'other.example.net']);
    expect(await user(long)).toMatchObject({ email: null });
    expect(problems.find((p) => p.fusionpbx_uuid === long.uuid)?.message).toMatch(/is 3\d\d characters long \(at most 254\)/);
    expect(await user(empty)).toMatchObject({ email: null });
    expect(problem(empty.uuid)).toEqual([]);
    expect(await user(malformed)).toMatchObject({ email: null });
    expect(problem(malformed.uuid)).toEqual(['warning:EMAIL_INVALID']);
    // Equal but for case, or for Unicode form: one address; one user keeps it, the other is told why.
    for (const [a, b, email] of [[upper, lower, 'same.person@example.com'], [nfc, nfd, 'jos\u00e9@example.com']] as const) {
      const emails = [(await user(a)).email, (await user(b)).email];
      expect(emails.filter((e) => e === email)).toHaveLength(1);
      expect(emails.filter((e) => e === null)).toHaveLength(1);
      expect([...problem(a.uuid), ...problem(b.uuid)]).toEqual(['conflict:EMAIL_DUPLICATE_UPSTREAM']);
    }
    expect(await user(control)).toMatchObject({ first_name: 'Ann e', last_name: 'Lee [31m' });
    expect(await user(emoji)).toMatchObject({ first_name: '😀 Smile', last_name: 'שלום' });
    expect(await user(flaky)).toBeUndefined();
    expect(problem(flaky.uuid)).toEqual(['error:INVALID_FLAG']);
    expect(problems.filter((p) => p.code === 'INVALID_FLAG' && p.message.includes('maybe'))).toHaveLength(1);
    expect(await store.db('extensions').where({ fusionpbx_domain_uuid: big.uuid }).count<{ count: number }[]>('* as count')).toEqual([{ count: 10_000 }]);

    const before = await rowVersions(store.db);
    expect((await syncOnce(app)).status).toBe('succeeded');
    expect(rowsWritten(before, await rowVersions(store.db))).toBe(0);
  });
});

describe('bad rows from the REST API, end to end', () => {
  const BASE = 'https://pbx.bad.example.com';
  const KEY = `7b1c8a52-0000-4000-8000-00000000beef:${TEST_SECRETS.restSecret}`;
  const D = '6f1c0c52-6a4e-4d7e-9a0f-2f6f3f0f9b33';
  const U = (n: number) => `0b7d9b0e-1c55-4b0b-8a7e-${n.toString(16).padStart(12, '0')}`;
  let store: TestDatabase;
  let app: TestApp;
  afterEach(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await app?.stop();
    await store?.drop();
  });

  it('rows without an id, duplicate uuids, a domain row without a name', async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    const lists: Record<string, unknown[]> = {
      'domain-list': [
        { domain_uuid: D, domain_name: 'acme.example.net', domain_enabled: true },
        { domain_uuid: null, domain_name: 'ghost.example.net', domain_enabled: true },
        { domain_uuid: U(77), domain_name: '', domain_enabled: true },
      ],
      'user-list': [
        { user_uuid: U(1), domain_uuid: D, username: 'good', user_enabled: 'true' },
        { user_uuid: U(2), domain_uuid: D, username: 'twin', user_enabled: 'true' },
        { user_uuid: U(2), domain_uuid: D, username: 'twin', user_enabled: 'true' },
        { user_uuid: U(3), domain_uuid: D, username: 'clash-a', user_enabled: 'true' },
        { user_uuid: U(3), domain_uuid: D, username: 'clash-b', user_enabled: 'true' },
        { domain_uuid: D, username: 'no-id', user_enabled: 'true' },
        { user_uuid: 'not-a-uuid', domain_uuid: D, username: 'bad-id', user_enabled: 'true' },
      ],
      'extension-list': [],
      'extension-user-list': [],
    };
    nock(BASE)
      .post('/app/rest_api/rest.php')
      .times(100)
      .reply((_uri, body) => {
        const { action, page = 1, per_page: per = 25 } = body as { action: string; page?: number; per_page?: number };
        const list = lists[action] ?? [];
        return [200, { data: list.slice((page - 1) * per, page * per), pagination: { page, per_page: per, total: list.length } }];
      });
    store = await createStoreDatabase();
    app = await startTestApp({ store: store.url }, { FUSIONPBX_SOURCE: 'rest', FUSIONPBX_API_URL: BASE, FUSIONPBX_API_KEY: KEY });
    const run = await syncOnce(app);
    expect(run.status).toBe('succeeded');
    expect((await store.db('users').orderBy('username').pluck('username'))).toEqual(['good', 'twin']);
    expect(await store.db('tenants').pluck('name')).toEqual(['acme.example.net']);
    const problems = await store.db('sync_changes').where({ run_id: run.id }).whereNot('kind', 'change').select('code', 'message');
    const codes = problems.map((p: { code: string }) => p.code).sort();
    expect(codes).toEqual(expect.arrayContaining(['DUPLICATE_UUID', 'MISSING_UUID', 'INVALID_UUID']));
    for (const p of problems as Array<{ message: string }>) expect(p.message).not.toContain(TEST_SECRETS.restSecret);
  });
});
