import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../src/errors/sync-errors.js';
import { createLogger } from '../../src/observability/logger.js';
import { createHttp } from '../../src/common/http.js';
import { RestClient, restEndpoint } from '../../src/sources/rest/rest-client.js';
import { RestSource } from '../../src/sources/rest/rest-source.js';
import { LogCapture } from '../helpers/app.js';

const BASE = 'https://pbx.example.com';
const PATH = '/app/rest_api/rest.php';
const KEY_UUID = '7b1c8a52-0000-1000-0000-00000000abcd';
const SECRET = 'sup3r-secret-rest-key-value';
const D1 = '6f1c0c52-6a4e-0d7e-0a0f-2f6f3f0f9b11';
const D2 = '7f1c0c52-6a4e-0d7e-0a0f-2f6f3f0f9b22';
const uuidN = (n: number) => `0b7d9b0e-1c55-0b0b-0a7e-${n.toString(16).padStart(12, '0')}`;

function client(overrides: Partial<ConstructorParameters<typeof RestClient>[1]> = {}) {
  const options = { url: BASE, apiKey: `${KEY_UUID}:${SECRET}`, timeoutMs: 300, concurrency: 2, pageSize: 2, retries: 3, retryDelayMs: 5, ...overrides };
  return new RestClient(createHttp(options), options);
}

type Body = { action: string; page?: number; per_page?: number; domain_uuid?: string; user_uuid?: string };
type Row = Record<string, unknown>;

/**
 * The REST app as nock answers it, from in-memory rows, in the app's own shapes: domain-list,
 * user-list and extension-list paged as `{data, pagination}` (actions/domain-list.php@39651ba7,
 * user-list.php@5cc891f5, extension-list.php@51362cef: 25 per page by default, 1..200), a disabled
 * domain's lists 404 `{"error":"domain not found"}` (lib/auth.php@5cc891f5), extension-user-list
 * per user as `{data}` with no pagination, 400 without user_uuid and 404 for a user of another
 * domain (actions/extension-user-list.php@5cc891f5, rest.php@a3fef8c7). Every request is kept.
 */
function serve(app: { domains: Row[]; users: Row[]; extensions: Row[]; links?: Array<{ extension_uuid: string; user_uuid: string }> }, times = 200) {
  const requests: Body[] = [];
  const scope = nock(BASE)
    .post(PATH)
    .basicAuth({ user: KEY_UUID, pass: SECRET })
    .times(times)
    .reply((_uri, raw) => {
      const body = raw as Body;
      requests.push(body);
      const page = body.page ?? 1;
      const perPage = body.per_page ?? 25;
      if (page < 1 || perPage < 1 || perPage > 200) return [400, { error: perPage > 200 ? 'invalid per_page' : 'invalid page' }];
      const paged = (rows: Row[]) => [200, { data: rows.slice((page - 1) * perPage, page * perPage), pagination: { page, per_page: perPage, total: rows.length } }];
      if (body.action === 'domain-list') return paged(app.domains);
      const domain = app.domains.find((d) => d.domain_uuid === body.domain_uuid);
      if (!domain || domain.domain_enabled !== true) return [404, { error: 'domain not found' }];
      const inDomain = (rows: Row[]) => rows.filter((r) => r.domain_uuid === body.domain_uuid);
      if (body.action === 'user-list') return paged(inDomain(app.users));
      if (body.action === 'extension-list') return paged(inDomain(app.extensions));
      if (body.action === 'extension-user-list') {
        if (!body.user_uuid) return [400, { error: { error: 'missing required parameter(s)', missing_parameters: ['user_uuid'] } }];
        if (!inDomain(app.users).some((u) => u.user_uuid === body.user_uuid)) return [404, { error: 'user not found' }];
        const mine = new Set((app.links ?? []).filter((l) => l.user_uuid === body.user_uuid).map((l) => l.extension_uuid));
        return [200, { data: inDomain(app.extensions).filter((e) => mine.has(String(e.extension_uuid))).map((e) => ({ ...e, user_uuid: body.user_uuid })) }];
      }
      return [400, { error: 'unknown action' }];
    });
  return { scope, requests };
}

const domains = [
  { domain_uuid: D1, domain_name: 'acme.example.net', domain_enabled: true },
  { domain_uuid: D2, domain_name: 'off.example.net', domain_enabled: false },
];
const commonUsers = [1, 2, 3].map((n) => ({ user_uuid: uuidN(n), domain_uuid: D1, username: `user${n}`, user_enabled: true }));
const extension = (n: number, owner: string | null, extra: Row = {}) => ({
  extension_uuid: uuidN(100 + n),
  extension: String(100 + n),
  domain_uuid: D1,
  directory_first_name: null,
  directory_last_name: null,
  emergency_caller_id_number: null,
  outbound_caller_id_number: null,
  enabled: true,
  user_uuid: owner,
  ...extra,
});

describe('REST source (FusionPBX REST API app dialect)', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it('appends the app path to a bare base URL', () => {
    expect(restEndpoint('https://pbx.example.com')).toBe('https://pbx.example.com/app/rest_api/rest.php');
    expect(restEndpoint('https://pbx.example.com/fusionpbx/')).toBe('https://pbx.example.com/fusionpbx/app/rest_api/rest.php');
    expect(restEndpoint('https://pbx.example.com/app/rest_api/rest.php')).toBe('https://pbx.example.com/app/rest_api/rest.php');
  });

  it('reads a domain from user-list and extension-list alone when the owners extension-list names are its users', async () => {
    const extensions = [extension(1, uuidN(1), { directory_first_name: 'Ann', directory_last_name: 'Lee' }), extension(2, null, { enabled: false })];
    const { requests } = serve({ domains, users: commonUsers, extensions });
    const [snap] = await new RestSource(client(), 2).readDomains([D1]);
    if (snap?.state !== 'present') throw new Error(`expected a present domain, got ${snap?.state}`);
    expect(snap.users.map((u) => u.username)).toEqual(['user1', 'user2', 'user3']);
    for (const u of snap.users) {
      expect(u).not.toHaveProperty('email');
      expect(u).not.toHaveProperty('groups');
      expect(u).not.toHaveProperty('firstName');
    }
    expect(snap.extensions.find((e) => e.number === '101')).toMatchObject({ firstName: 'Ann', lastName: 'Lee', enabled: true, userUuids: [uuidN(1)] });
    expect(snap.extensions.find((e) => e.number === '102')).toMatchObject({ enabled: false, userUuids: [] });
    expect(snap.extensions[0]).not.toHaveProperty('numberAlias');
    expect(snap.extensions[0]).not.toHaveProperty('callerIdName');
    expect(requests.filter((r) => r.action === 'extension-user-list')).toEqual([]);
    // Paged 2 at a time (the client's page size here), domain_uuid on every call.
    expect(requests.filter((r) => r.action === 'user-list').map((r) => [r.page, r.per_page, r.domain_uuid])).toEqual([
      [1, 2, D1],
      [2, 2, D1],
    ]);
  });

  it('asks each user\'s extension-user-list when extension-list names a user the domain does not have (a deleted user\'s link)', async () => {
    const deleted = uuidN(0); // lower than every living user: extension-list names it
    const links = [
      { extension_uuid: uuidN(101), user_uuid: uuidN(2) },
      { extension_uuid: uuidN(101), user_uuid: uuidN(3) },
      { extension_uuid: uuidN(102), user_uuid: uuidN(1) },
    ];
    const { requests } = serve({ domains, users: commonUsers, extensions: [extension(1, deleted), extension(2, uuidN(1))], links });
    const [snap] = await new RestSource(client(), 2).readDomains([D1]);
    if (snap?.state !== 'present') throw new Error('expected present');
    expect(snap.extensions.find((e) => e.number === '101')!.userUuids).toEqual([uuidN(2), uuidN(3)]);
    expect(snap.extensions.find((e) => e.number === '102')!.userUuids).toEqual([uuidN(1)]);
    expect(requests.filter((r) => r.action === 'extension-user-list').map((r) => r.user_uuid).sort()).toEqual([uuidN(1), uuidN(2), uuidN(3)]);
  });

  it('with links "all", asks every user and sees a shared extension\'s every user', async () => {
    const links = [
      { extension_uuid: uuidN(101), user_uuid: uuidN(1) },
      { extension_uuid: uuidN(101), user_uuid: uuidN(3) },
    ];
    const { requests } = serve({ domains, users: commonUsers, extensions: [extension(1, uuidN(1))], links });
    const [snap] = await new RestSource(client(), 2, 'all').readDomains([D1]);
    if (snap?.state !== 'present') throw new Error('expected present');
    expect(snap.extensions[0]!.userUuids).toEqual([uuidN(1), uuidN(3)]);
    expect(requests.filter((r) => r.action === 'extension-user-list')).toHaveLength(3);
  });

  it('uses user_email and groups when the build provides them', async () => {
    const users = commonUsers.map((u, i) => ({ ...u, user_email: ` User${i}@ACME.example `, groups: i === 0 ? 'admin,user' : ['user'] }));
    serve({ domains, users, extensions: [] });
    const [snap] = await new RestSource(client(), 2).readDomains([D1]);
    if (snap?.state !== 'present') throw new Error('expected present');
    expect(snap.users[0]).toMatchObject({ email: 'user0@acme.example', groups: ['admin', 'user'] });
    expect(snap.users[1]).toMatchObject({ email: 'user1@acme.example', groups: ['user'] });
  });

  it('treats a domain whose lists answer 404 "domain not found" as unknown, not empty', async () => {
    serve({ domains, users: commonUsers, extensions: [] });
    const source = new RestSource(client(), 2);
    const [snap] = await source.readDomains([D2]);
    expect(snap).toMatchObject({ state: 'unknown', domain: { uuid: D2, enabled: false } });
    const census = await source.census();
    expect(census.unknownDomainUuids).toEqual([D2]);
    expect(census.users.map((u) => u.uuid)).toEqual(commonUsers.map((u) => u.user_uuid));
  });

  it('records a row with a missing uuid and keeps the others', async () => {
    serve({ domains, users: [...commonUsers, { domain_uuid: D1, username: 'nouuid', user_enabled: true }], extensions: [] });
    const [snap] = await new RestSource(client(), 2).readDomains([D1]);
    if (snap?.state !== 'present') throw new Error('expected present');
    expect(snap.users).toHaveLength(3);
    expect(snap.problems).toEqual([expect.objectContaining({ kind: 'error', entity: 'user', code: 'MISSING_UUID' })]);
  });

  it('reads a listing again when its total moves between pages, rather than miss a row', async () => {
    let calls = 0;
    nock(BASE)
      .post(PATH)
      .times(5)
      .reply((_u, raw) => {
        const page = (raw as Body).page ?? 1;
        calls++;
        // The first pass sees a domain added between its pages 1 and 2 (total 3 -> 4).
        const rows = calls <= 1 ? domains.slice(0, 2).concat([{ ...domains[0]!, domain_uuid: uuidN(9) }]) : [...domains, { ...domains[0]!, domain_uuid: uuidN(9) }, { ...domains[0]!, domain_uuid: uuidN(10) }];
        return [200, { data: rows.slice((page - 1) * 2, page * 2), pagination: { page, per_page: 2, total: rows.length } }];
      });
    const rows = await client({ retries: 0 }).list('domain-list');
    expect(rows).toHaveLength(4);
    expect(calls).toBe(4);
  });

  it('accepts a list answered whole, {data} with no pagination, and refuses a bare array by naming the old build', async () => {
    nock(BASE).post(PATH).reply(200, { data: [{ a: 1 }, { a: 2 }] });
    expect(await client().list('extension-user-list', { user_uuid: uuidN(1) })).toEqual([{ a: 1 }, { a: 2 }]);
    nock(BASE).post(PATH).reply(200, [{ extension_uuid: uuidN(1), extension: '101', emergency_caller_id_number: '' }]);
    await expect(client().list('extension-list')).rejects.toThrow(/bare list.*older than the paged lists/);
  });

  it('does not retry a 400 and shows the app\'s own error', async () => {
    const scope = nock(BASE).post(PATH).reply(400, { error: { error: 'missing required parameter(s)', missing_parameters: ['user_uuid'] } });
    const error = (await client().list('extension-user-list').catch((e: unknown) => e)) as SourceError;
    expect(error).toMatchObject({ kind: 'rejected', status: 400 });
    expect(error.message).toMatch(/HTTP 400: .*missing required parameter\(s\).*user_uuid/);
    expect(scope.isDone()).toBe(true);
  });

  it('retries 429 honouring Retry-After, then succeeds', async () => {
    const started = Date.now();
    nock(BASE)
      .post(PATH)
      .reply(429, { error: 'slow down' }, { 'Retry-After': '1' })
      .post(PATH)
      .reply(200, { data: domains, pagination: { page: 1, per_page: 2, total: 2 } });
    const rows = await client().list('domain-list');
    expect(rows).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('retries a 5xx and a timeout, then succeeds', async () => {
    nock(BASE)
      .post(PATH)
      .reply(502, '<html>Bad Gateway</html>')
      .post(PATH)
      .delay(1000)
      .reply(200, { data: [], pagination: { page: 1, per_page: 2, total: 0 } })
      .post(PATH)
      .reply(200, { data: domains, pagination: { page: 1, per_page: 2, total: 2 } });
    expect(await client().list('domain-list')).toHaveLength(2);
  });

  it('stops at once on 401 with a message naming the credential, and never retries', async () => {
    const scope = nock(BASE).post(PATH).reply(401, { error: 'unauthorized' });
    const error = await client().list('domain-list').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).kind).toBe('auth');
    expect((error as SourceError).message).toMatch(/FUSIONPBX_API_KEY/);
    expect(scope.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('names the missing permissions of a 403', async () => {
    nock(BASE).post(PATH).reply(403, { error: 'forbidden', missing_permissions: ['domain_select', 'user_view'] });
    await expect(client().list('domain-list')).rejects.toThrow(/lacks permissions domain_select, user_view/);
  });

  it('fails cleanly, after its retries, on a page that is HTML instead of JSON', async () => {
    const scope = nock(BASE).post(PATH).times(4).reply(200, '<!doctype html><title>Login</title>', { 'content-type': 'text/html' });
    const error = (await client().list('domain-list').catch((e: unknown) => e)) as SourceError;
    expect(error.kind).toBe('bad_response');
    expect(error.message).toMatch(/not JSON: <!doctype html>/);
    expect(scope.isDone()).toBe(true);
  });

  it('fails on a truncated listing rather than reporting fewer rows', async () => {
    nock(BASE)
      .post(PATH)
      .times(4)
      .reply(200, (_u, body) => ((body as Body).page === 1 ? { data: domains, pagination: { page: 1, per_page: 2, total: 5 } } : { data: [], pagination: { page: 2, per_page: 2, total: 5 } }));
    await expect(client({ retries: 0 }).list('domain-list')).rejects.toThrow(/listed 2 of the 5 rows/);
  });

  it('never lets the API secret reach an error message or a log line', async () => {
    // One list retried once through two 500s, then one refused with a 401: both errors are logged.
    const scope = nock(BASE).post(PATH).times(2).reply(500, 'boom').post(PATH).reply(401, { error: 'unauthorized' });
    const logs = new LogCapture();
    const logger = createLogger('debug', logs);
    const errors: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const error = await client({ retries: 1 }).list('domain-list').catch((e: unknown) => e);
      errors.push(error);
      logger.error({ err: error }, 'source failed');
    }
    logger.flush();
    expect(scope.isDone()).toBe(true);
    expect(errors.map((e) => (e as SourceError).status)).toEqual([500, 401]);
    const everything = JSON.stringify(errors.map((e) => ({ ...(e as object), message: (e as Error).message, stack: (e as Error).stack }))) + logs.lines.join('\n');
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(Buffer.from(`${KEY_UUID}:${SECRET}`).toString('base64'));
    expect(everything).not.toMatch(/authorization/i);
  });
});
