import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeSearchPending } from '../../src/store/search-pending.js';
import { UserStore, type UserFilter } from '../../src/store/user-store.js';
import { createStoreDatabase, type TestDatabase } from '../helpers/databases.js';

/** The admin search at 100k users: every filter answers from an index, never a scan of the table. */
describe('user search at 100k users', () => {
  let store: TestDatabase;
  const users = new UserStore();
  const tenants = Array.from({ length: 1000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

  beforeAll(async () => {
    store = await createStoreDatabase();
    await store.db.raw(`insert into tenants (id, name) select t::uuid, 'tenant ' || t from unnest(?::text[]) t`, [tenants]);
    await store.db.raw(`
      insert into users (id, tenant_id, email, first_name, last_name, role, status, source, fusionpbx_user_uuid)
      select gen_random_uuid(), (?::uuid[])[1 + (g % 1000)], 'user' || g || '@tenant' || (g % 1000) || '.example',
             (array['Alice','Bruno','Chloé','Dmitri','Emeka','Fatima','Gustav','Hana'])[1 + g % 8], 'Family' || (g % 5000),
             case when g % 50 = 0 then 'admin' else 'user' end, case when g % 20 = 0 then 'disabled' else 'enabled' end,
             case when g % 10 = 0 then 'manual' else 'fusionpbx' end, case when g % 10 = 0 then null else gen_random_uuid() end
      from generate_series(1, 100000) g`, [tenants]);
    // As after a sync: the index's pending list merged (a long one makes every index scan look dear).
    await mergeSearchPending(store.db);
    await store.db.raw('analyze users');
  }, 120_000);
  afterAll(async () => {
    await store.drop();
  });

  async function plan(filter: UserFilter): Promise<string> {
    const { sql, bindings } = users.listQuery(store.db, filter, 51, null).toSQL().toNative();
    const result = await store.db.raw<{ rows: Array<{ 'QUERY PLAN': string }> }>(`explain ${sql.replace(/\$(\d+)/g, '?')}`, bindings as never);
    return result.rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  it.each<[string, UserFilter, RegExp]>([
    ['a partial email', { q: 'user4242@' }, /users_search_trgm_idx/],
    ['a partial name', { q: 'family4242' }, /users_search_trgm_idx/],
    ['a tenant', { tenantId: tenants[7] }, /users_tenant/],
    ['a tenant and a name', { tenantId: tenants[7], q: 'chlo' }, /users_tenant|users_search_trgm_idx/],
    ['a role', { role: 'superadmin' }, /users_role_idx/],
    ['a status', { status: 'disabled' }, /users_status_idx|users_pkey/],
    ['a source', { source: 'manual' }, /users_source_idx|users_pkey/],
    ['nothing', {}, /users_pkey/],
  ])('answers a search by %s from an index', async (_what, filter, index) => {
    const text = await plan(filter);
    expect(text).toMatch(index);
    expect(text).not.toMatch(/Seq Scan on users/);
  });

  it('answers rare searches from the trigram index whichever rows ANALYZE sampled', async () => {
    // Each name is held by 20 users. With a 100-entry histogram about 2% of such names sit in it and
    // are estimated at 1% of the table: the planner then filters the whole table in id order.
    const names = Array.from({ length: 300 }, (_, i) => `family${1000 + i * 13}`);
    const byPkey: string[] = [];
    for (const q of names) if (/users_pkey/.test(await plan({ q }))) byPkey.push(q);
    expect(byPkey).toEqual([]);
  });

  it('leaves common trigrams out of the index lookup once it has a sample, and finds the same users', async () => {
    const sampled = new UserStore();
    await sampled.refreshSearchProbe(store.db);
    const { sql, bindings } = sampled.listQuery(store.db, { q: 'user4242@' }, 51, null).toSQL().toNative();
    const result = await store.db.raw<{ rows: Array<{ 'QUERY PLAN': string }> }>(`explain ${sql.replace(/\$(\d+)/g, '?')}`, bindings as never);
    const text = result.rows.map((r) => r['QUERY PLAN']).join('\n');
    // Every row holds 'use' and 'ser': the index is asked for the rest, the whole search checked after.
    expect(text).toMatch(/Index Cond: \(search_text ~~ '%er4242%'::text\)/);
    expect(text).toMatch(/strpos\(search_text, 'user4242@'::text\) > 0/);
    for (const q of ['user4242@', 'user42', 'family4242', 'chlo', 'user1@tenant1.', 'alice', 'r4242', 'ser12@t', 'alice family12', 'r999@tenant999.example']) {
      const expected = await users.list(store.db, { q }, 500, null);
      expect((await sampled.list(store.db, { q }, 500, null)).map((u) => u.id), q).toEqual(expected.map((u) => u.id));
      expect(expected.length, q).toBeGreaterThan(0);
    }
  });

  it('finds what it should at this size', async () => {
    const found = await users.list(store.db, { q: 'user4242@' }, 50, null);
    expect(found.map((u) => u.email)).toEqual(['user4242@tenant242.example']);
    // Tenant 0 holds users 1000, 2000, ...: every one of them is an admin (g % 50 = 0).
    expect(await users.list(store.db, { tenantId: tenants[0], role: 'admin' }, 500, null)).toHaveLength(100);
    expect(await users.list(store.db, { tenantId: tenants[7], role: 'admin' }, 500, null)).toHaveLength(0);
  });
});
