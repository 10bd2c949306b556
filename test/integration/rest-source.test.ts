import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../src/errors/sync-errors.js';
import { createLogger } from '../../src/observability/logger.js';
import { RestClient, createRestHttp, restEndpoint } from '../../src/sources/rest/rest-client.js';
import { RestSource } from '../../src/sources/rest/rest-source.js';
import { LogCapture } from '../helpers/app.js';

const BASE = 'https://pbx.example.com';
const PATH = '/app/rest_api/rest.php';
const KEY_UUID = '7b1c8a52-0000-4000-8000-00000000abcd';
const SECRET = 'sup3r-secret-rest-key-value';
const D1 = '6f1c0c52-6a4e-4d7e-9a0f-2f6f3f0f9b11';
const D2 = '7f1c0c52-6a4e-4d7e-9a0f-2f6f3f0f9b22';
const uuidN = (n: number) => `0b7d9b0e-1c55-4b0b-8a7e-${n.toString(16).padStart(12, '0')}`;

function client(overrides: Partial<ConstructorParameters<typeof RestClient>[1]> = {}) {
  const options = { url: BASE, apiKey: `${KEY_UUID}:${SECRET}`, timeoutMs: 300, concurrency: 2, pageSize: 2, retries: 3, retryDelayMs: 5, ...overrides };
  return new RestClient(createRestHttp(options), options);
}

type Body = { action: string; page?: number; per_page?: number; domain_uuid?: string };

/** A nock scope answering the REST app's list actions from in-memory rows, page by page. */
function serve(lists: Record<string, unknown[] | ((body: Body) => [number, unknown])>, times = 100) {
  return nock(BASE)
    .post(PATH)
    .basicAuth({ user: KEY_UUID, pass: SECRET })
    .times(times)
    .reply((_uri, raw) => {
      const body = raw as Body;
      const key = body.domain_uuid ? `${body.action}:${body.domain_uuid}` : body.action;
      const list = lists[key] ?? lists[body.action];
      if (typeof list === 'function') return list(body);
      if (!list) return [404, { error: 'not_found' }];
      const page = body.page ?? 1;
      const per = body.per_page ?? 25;
      return [200, { data: list.slice((page - 1) * per, page * per), pagination: { page, per_page: per, total: list.length } }];
    });
}

const domains = [
  { domain_uuid: D1, domain_name: 'acme.example.net', domain_enabled: true },
  { domain_uuid: D2, domain_name: 'off.example.net', domain_enabled: false },
];
const commonUsers = [1, 2, 3].map((n) => ({ user_uuid: uuidN(n), domain_uuid: D1, username: `user${n}`, user_enabled: 'true' }));
const extensions = [
  { extension_uuid: uuidN(101), extension: '101', domain_uuid: D1, directory_first_name: 'Ann', directory_last_name: 'Lee', enabled: true, user_uuid: uuidN(1) },
  { extension_uuid: uuidN(102), extension: '102', domain_uuid: D1, directory_first_name: null, directory_last_name: null, enabled: false, user_uuid: null },
];
const links = [
  { extension_user_uuid: uuidN(900), extension_uuid: uuidN(101), user_uuid: uuidN(1) },
  { extension_user_uuid: uuidN(901), extension_uuid: uuidN(101), user_uuid: uuidN(2) },
];

describe('REST source (FusionPBX REST API app dialect)', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it('appends the app path to a bare base URL', () => {
    expect(restEndpoint('https://pbx.example.com')).toBe('https://pbx.example.com/app/rest_api/rest.php');
    expect(restEndpoint('https://pbx.example.com/fusionpbx/')).toBe('https://pbx.example.com/fusionpbx/app/rest_api/rest.php');
    expect(restEndpoint('https://pbx.example.com/app/rest_api/rest.php')).toBe('https://pbx.example.com/app/rest_api/rest.php');
  });

  it('pages through every list and maps the common build: no email, no groups, no contact names', async () => {
    serve({ 'domain-list': domains, [`user-list:${D1}`]: commonUsers, [`extension-list:${D1}`]: extensions, [`extension-user-list:${D1}`]: links });
    const source = new RestSource(client(), 2);
    const [snap] = await source.readDomains([D1]);
    if (snap?.state !== 'present') throw new Error(`expected a present domain, got ${snap?.state}`);
    expect(snap.users.map((u) => u.username)).toEqual(['user1', 'user2', 'user3']);
    for (const u of snap.users) {
      expect(u).not.toHaveProperty('email');
      expect(u).not.toHaveProperty('groups');
      expect(u).not.toHaveProperty('firstName');
    }
    const e101 = snap.extensions.find((e) => e.number === '101')!;
    expect(e101).toMatchObject({ firstName: 'Ann', lastName: 'Lee', enabled: true, userUuids: [uuidN(1), uuidN(2)] });
    expect(e101).not.toHaveProperty('numberAlias');
    expect(e101).not.toHaveProperty('callerIdName');
  });

  it('uses user_email and groups when the build provides them', async () => {
    const users = commonUsers.map((u, i) => ({ ...u, user_email: ` User${i}@ACME.example `, groups: i === 0 ? 'admin,user' : ['user'] }));
    serve({ 'domain-list': domains, [`user-list:${D1}`]: users, [`extension-list:${D1}`]: [], [`extension-user-list:${D1}`]: [] });
    const [snap] = await new RestSource(client(), 2).readDomains([D1]);
    if (snap?.state !== 'present') throw new Error('expected present');
    expect(snap.users[0]).toMatchObject({ email: 'user0@acme.example', groups: ['admin', 'user'] });
    expect(snap.users[1]).toMatchObject({ email: 'user1@acme.example', groups: ['user'] });
  });

  it('treats a domain whose lists answer 404 as unknown, not empty', async () => {
    serve({ 'domain-list': domains, [`user-list:${D1}`]: commonUsers, [`extension-list:${D1}`]: [], [`extension-user-list:${D1}`]: [] });
    const source = new RestSource(client(), 2);
    const [snap] = await source.readDomains([D2]);
    expect(snap).toMatchObject({ state: 'unknown', domain: { uuid: D2, enabled: false } });
    const census = await source.census();
    expect(census.unknownDomainUuids).toEqual([D2]);
    expect(census.users.map((u) => u.uuid)).toEqual(commonUsers.map((u) => u.user_uuid));
  });

  it('records a row with a missing uuid and keeps the others', async () => {
    serve({ 'domain-list': domains, [`user-list:${D1}`]: [...commonUsers, { domain_uuid: D1, username: 'nouuid', user_enabled: 'true' }], [`extension-list:${D1}`]: [], [`extension-user-list:${D1}`]: [] });
    const [snap] = await new RestSource(client(), 2).readDomains([D1]);
    if (snap?.state !== 'present') throw new Error('expected present');
    expect(snap.users).toHaveLength(3);
    expect(snap.problems).toEqual([expect.objectContaining({ kind: 'error', entity: 'user', code: 'MISSING_UUID' })]);
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
    nock(BASE).post(PATH).times(10).reply(500, 'boom');
    nock(BASE).post(PATH).reply(401, 'no');
    const logs = new LogCapture();
    const logger = createLogger('debug', logs);
    const errors: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const error = await client({ retries: 1 }).list('domain-list').catch((e: unknown) => e);
      errors.push(error);
      logger.error({ err: error }, 'source failed');
    }
    logger.flush();
    const everything = JSON.stringify(errors.map((e) => ({ ...(e as object), message: (e as Error).message, stack: (e as Error).stack }))) + logs.lines.join('\n');
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(Buffer.from(`${KEY_UUID}:${SECRET}`).toString('base64'));
    expect(everything).not.toMatch(/authorization/i);
  });
});
