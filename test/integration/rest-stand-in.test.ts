import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StandInChannel } from '../../src/demo/freeswitch-stand-in.js';
import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import { DAEMON_PERMISSIONS, startRestStandIn, type RestStandIn } from '../../src/demo/rest-stand-in.js';
import { createFusionpbxDatabase } from '../helpers/databases.js';
import { TEST_SECRETS } from '../helpers/env.js';

const KEY_ID = '5bc14e83-fc4e-0578-99b8-c7151eb2ec54';
const KEY = `${KEY_ID}:${TEST_SECRETS.restSecret}`;

/**
 * The REST stand-in answers as CakeDC/fusionpbx-rest-api does. Every expected status and body here
 * is read from the app's source, not from the stand-in: rest.php@a3fef8c7 (auth, body, action,
 * permissions before parameters), lib/auth.php@5cc891f5 (rest_api_resolve_domain),
 * lib/input_validation.php@1b46cc44 (ensure_parameters), tests/Unit/InputValidationTest.php
 * (rest_api_parse_pagination), lib/fields.php@e8c2f32a and the action files it names.
 */
describe('REST stand-in: the app\'s answers and refusals', () => {
  const f = new FusionpbxFactory(5, 'any');
  const acme = f.domain('acme.example.net');
  const beta = f.domain('beta.example.net');
  const off = f.domain('off.example.net', { enabled: false });
  const alice = f.user(acme, 'alice');
  const bob = f.user(acme, 'bob', { enabled: null });
  const carol = f.user(beta, 'carol');
  const gone = f.user(acme, 'gone');
  const e101 = f.extension(acme, '101');
  const e102 = f.extension(acme, '102', { enabled: false });
  f.link(e101, alice);
  f.link(e101, bob);
  f.link(e102, gone);
  f.removeUser(gone);
  for (let i = 0; i < 30; i++) f.user(beta, `user${String(i).padStart(2, '0')}`);
  f.user(off, 'dave');
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let full: RestStandIn;
  let narrow: RestStandIn;
  const channels: StandInChannel[] = [];
  const calls: Array<Record<string, string>> = [];

  beforeAll(async () => {
    fpbx = await createFusionpbxDatabase('5.4', f);
    full = await startRestStandIn({ db: fpbx.db, apiKey: KEY, keyDomainUuid: acme.uuid, channels: () => channels, calls: () => calls });
    // A key user without domain_select, user_view or extension_view.
    narrow = await startRestStandIn({ db: fpbx.db, apiKey: KEY, keyDomainUuid: acme.uuid, permissions: ['domain_view', 'call_active_view'] });
  });
  afterAll(async () => {
    await full.close();
    await narrow.close();
    await fpbx.drop();
  });

  async function post(standIn: RestStandIn, body: unknown, auth: string | null = KEY): Promise<{ status: number; body: unknown }> {
    const res = await fetch(standIn.url, {
      method: 'POST',
      headers: auth === null ? {} : { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: JSON.parse(await res.text()) };
  }
  const missing = (params: string[]) => ({ error: { error: 'missing required parameter(s)', missing_parameters: params } });

  it('refuses a request without a usable key: 401 {"error":"unauthorized"}', async () => {
    const unauthorized = { status: 401, body: { error: 'unauthorized' } };
    expect(await post(full, { action: 'domain-list' }, null)).toEqual(unauthorized);
    expect(await post(full, { action: 'domain-list' }, `not-a-uuid:${TEST_SECRETS.restSecret}`)).toEqual(unauthorized);
    expect(await post(full, { action: 'domain-list' }, `${KEY_ID}:wrong`)).toEqual(unauthorized);
  });

  it('refuses a body that is not a JSON object, a missing action and an unknown one (400)', async () => {
    expect(await post(full, '[]')).toEqual({ status: 400, body: { error: 'request body must be a JSON object' } });
    expect(await post(full, 'not json')).toEqual({ status: 400, body: { error: 'request body must be a JSON object' } });
    expect(await post(full, {})).toEqual({ status: 400, body: missing(['action']) });
    expect(await post(full, { action: 'no-such-action' })).toEqual({ status: 400, body: { error: 'unknown action' } });
    expect(await post(full, { action: '../rest' })).toEqual({ status: 400, body: { error: 'unknown action' } });
  });

  it('resolves domain_uuid as rest_api_resolve_domain does: invalid 400, disabled or missing 404, another without domain_select 403', async () => {
    expect(await post(full, { action: 'user-list', domain_uuid: 'acme' })).toEqual({ status: 400, body: { error: 'invalid domain_uuid' } });
    expect(await post(full, { action: 'user-list', domain_uuid: off.uuid })).toEqual({ status: 404, body: { error: 'domain not found' } });
    expect(await post(full, { action: 'user-list', domain_uuid: '00000000-0000-0000-0000-00000000dead' })).toEqual({ status: 404, body: { error: 'domain not found' } });
    expect(await post(narrow, { action: 'call-list', domain_uuid: beta.uuid })).toEqual({ status: 403, body: { error: 'forbidden' } });
    // An id in upper case is the same domain.
    expect((await post(full, { action: 'user-list', domain_uuid: beta.uuid.toUpperCase() })).status).toBe(200);
  });

  it('checks permissions before parameters: 403 with missing_permissions', async () => {
    expect(await post(narrow, { action: 'user-list' })).toEqual({ status: 403, body: { error: 'forbidden', missing_permissions: ['user_view'] } });
    expect(await post(narrow, { action: 'extension-user-list' })).toEqual({ status: 403, body: { error: 'forbidden', missing_permissions: ['extension_view', 'user_view'] } });
    expect(DAEMON_PERMISSIONS).toEqual(['domain_view', 'domain_select', 'user_view', 'extension_view', 'call_active_view']);
  });

  it('pages domain-list, user-list and extension-list: {data, pagination}, 25 by default, 1..200 per page', async () => {
    for (const action of ['domain-list', 'user-list', 'extension-list']) {
      expect(await post(full, { action, per_page: 500 })).toEqual({ status: 400, body: { error: 'invalid per_page' } });
      expect(await post(full, { action, per_page: 'all' })).toEqual({ status: 400, body: { error: 'invalid per_page' } });
      expect(await post(full, { action, page: 0 })).toEqual({ status: 400, body: { error: 'invalid page' } });
      expect(await post(full, { action, page: 1000001 })).toEqual({ status: 400, body: { error: 'invalid page' } });
    }
    const first = await post(full, { action: 'user-list', domain_uuid: beta.uuid });
    expect(first.body).toMatchObject({ pagination: { page: 1, per_page: 25, total: 31 } });
    expect((first.body as { data: unknown[] }).data).toHaveLength(25);
    const second = await post(full, { action: 'user-list', domain_uuid: beta.uuid, page: '2', per_page: 25 });
    expect((second.body as { data: Array<{ username: string }> }).data.map((u) => u.username)).toEqual(['user24', 'user25', 'user26', 'user27', 'user28', 'user29']);
    expect(await post(full, { action: 'user-list', domain_uuid: beta.uuid, page: 9 })).toEqual({ status: 200, body: { data: [], pagination: { page: 9, per_page: 25, total: 31 } } });
  });

  it('answers the fields lib/fields.php names, flags as booleans (a null user_enabled is false)', async () => {
    const domains = await post(full, { action: 'domain-list', per_page: 200 });
    expect(domains.body).toEqual({
      data: [
        { domain_uuid: acme.uuid, domain_name: 'acme.example.net', domain_enabled: true },
        { domain_uuid: beta.uuid, domain_name: 'beta.example.net', domain_enabled: true },
        { domain_uuid: off.uuid, domain_name: 'off.example.net', domain_enabled: false },
      ],
      pagination: { page: 1, per_page: 200, total: 3 },
    });
    const users = await post(full, { action: 'user-list' });
    expect(users.body).toEqual({
      data: [
        { user_uuid: alice.uuid, domain_uuid: acme.uuid, username: 'alice', user_enabled: true },
        { user_uuid: bob.uuid, domain_uuid: acme.uuid, username: 'bob', user_enabled: false },
      ],
      pagination: { page: 1, per_page: 25, total: 2 },
    });
    // Without domain_select, domain-list lists the key user's own domain only.
    expect(await post(narrow, { action: 'domain-list' })).toMatchObject({ body: { data: [{ domain_uuid: acme.uuid }], pagination: { total: 1 } } });
  });

  it('extension-list names the lowest linked user, even one that was deleted (its link query does not join v_users)', async () => {
    const extensions = await post(full, { action: 'extension-list' });
    const row = (ext: typeof e101, owner: string | null) => ({
      extension_uuid: ext.uuid,
      extension: ext.extension,
      domain_uuid: acme.uuid,
      directory_first_name: null,
      directory_last_name: null,
      emergency_caller_id_number: null,
      outbound_caller_id_number: null,
      enabled: ext.enabled === true,
      user_uuid: owner,
    });
    expect(extensions.body).toEqual({ data: [row(e101, [alice.uuid, bob.uuid].sort()[0]!), row(e102, gone.uuid)], pagination: { page: 1, per_page: 25, total: 2 } });
  });

  it('extension-user-list lists one user\'s extensions, {data} with no pagination; refuses a missing, malformed or foreign user_uuid', async () => {
    expect(await post(full, { action: 'extension-user-list' })).toEqual({ status: 400, body: missing(['user_uuid']) });
    expect(await post(full, { action: 'extension-user-list', user_uuid: '' })).toEqual({ status: 400, body: missing(['user_uuid']) });
    expect(await post(full, { action: 'extension-user-list', user_uuid: 'bob' })).toEqual({ status: 400, body: { error: 'invalid user_uuid' } });
    expect(await post(full, { action: 'extension-user-list', user_uuid: carol.uuid })).toEqual({ status: 404, body: { error: 'user not found' } });
    expect(await post(full, { action: 'extension-user-list', user_uuid: gone.uuid })).toEqual({ status: 404, body: { error: 'user not found' } });
    const bobs = await post(full, { action: 'extension-user-list', user_uuid: bob.uuid.toUpperCase() });
    expect(bobs).toEqual({ status: 200, body: { data: [expect.objectContaining({ extension_uuid: e101.uuid, extension: '101', enabled: true, user_uuid: bob.uuid })] } });
  });

  it('call-list: {data} with no pagination, the domain\'s channels by context or presence, an extension by presence, caller or destination', async () => {
    expect(await post(full, { action: 'call-list', extension: 'abc' })).toEqual({ status: 400, body: { error: 'invalid extension' } });
    expect(await post(full, { action: 'call-list' })).toEqual({ status: 200, body: { data: [] } });
    channels.push(
      { uuid: 'c-1', presence_id: '101@acme.example.net', context: 'acme.example.net', callstate: 'ACTIVE', cid_num: '101', dest: '5551234' },
      { uuid: 'c-2', presence_id: '101@acme.example.net', context: 'public', callstate: 'RINGING', cid_num: '5559876', dest: '101' },
      { uuid: 'c-3', presence_id: '200@beta.example.net', context: 'beta.example.net', callstate: 'ACTIVE', cid_num: '200', dest: '101' },
      { uuid: 'c-4', presence_id: '', context: 'acme.example.net', callstate: 'HANGUP', cid_num: '5550000', dest: '102' },
    );
    calls.push({ uuid: 'c-1', b_uuid: 'c-9' });
    const all = await post(full, { action: 'call-list' });
    expect(all.body).toEqual({
      data: [
        { call_uuid: 'c-1', domain_uuid: acme.uuid, state: 'bridged', caller_id_number: '101', destination_number: '5551234', consulting: null },
        { call_uuid: 'c-2', domain_uuid: acme.uuid, state: 'ringing', caller_id_number: '5559876', destination_number: '101', consulting: null },
        { call_uuid: 'c-4', domain_uuid: acme.uuid, state: 'ended', caller_id_number: '5550000', destination_number: '102', consulting: null },
      ],
    });
    const of102 = await post(full, { action: 'call-list', extension: '102' });
    expect((of102.body as { data: Array<{ call_uuid: string }> }).data.map((c) => c.call_uuid)).toEqual(['c-4']);
    const of101 = await post(full, { action: 'call-list', extension: '101' });
    expect((of101.body as { data: Array<{ call_uuid: string }> }).data.map((c) => c.call_uuid)).toEqual(['c-1', 'c-2']);
  });
});
