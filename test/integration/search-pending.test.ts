import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { mergeSearchPending } from '../../src/store/search-pending.js';
import { startTestApp, syncOnce, type TestApp } from '../helpers/app.js';
import { createFusionpbxDatabase, createStoreDatabase, type TestDatabase } from '../helpers/databases.js';
import { platform } from '../helpers/platform.js';

const TENANT = '00000000-0000-4000-8000-000000000001';

async function insertUsers(db: TestDatabase['db'], count: number): Promise<void> {
  await db.raw(`insert into tenants (id, name) values (?, 'pending') on conflict (id) do nothing`, [TENANT]);
  await db.raw(
    `insert into users (id, tenant_id, email, first_name, last_name, role, status, source)
     select gen_random_uuid(), ?, 'pending' || g || '-' || ? || '@example.com', 'Given' || g, 'Family' || g, 'user', 'enabled', 'manual'
     from generate_series(1, ?) g`,
    [TENANT, randomBytes(4).toString('hex'), count],
  );
}

/** The search index's pending list (4 MB, scanned by every search) is merged by each write of users. */
describe('search index pending list', () => {
  let store: TestDatabase | undefined;
  let fpbx: TestDatabase | undefined;
  let app: TestApp | undefined;

  afterEach(async () => {
    await app?.stop();
    await fpbx?.drop();
    await store?.drop();
    app = fpbx = store = undefined;
  });

  it('holds new users until merged; a sync merges what it wrote before it commits', async () => {
    store = await createStoreDatabase();
    await insertUsers(store.db, 500);
    expect(await mergeSearchPending(store.db)).toBeGreaterThan(0);

    fpbx = await createFusionpbxDatabase('5.5', platform(11, 3, 40));
    app = await startTestApp({ store: store.url, fusionpbx: fpbx.url });
    const run = await syncOnce(app);
    expect(run.counts.users?.created).toBe(120);
    expect(await mergeSearchPending(store.db)).toBe(0);
  });

  it('is left to fill, with no error, for a role that does not own the index', async () => {
    store = await createStoreDatabase();
    const role = `fps_not_owner_${randomBytes(4).toString('hex')}`;
    await store.db.raw(`create role ${role}`);
    try {
      await insertUsers(store.db, 500);
      const asOther = await store.db.transaction(async (trx) => {
        await trx.raw(`set local role ${role}`);
        return mergeSearchPending(trx);
      });
      expect(asOther).toBeNull();
      expect(await mergeSearchPending(store.db)).toBeGreaterThan(0);
    } finally {
      await store.db.raw(`drop role ${role}`);
    }
  });
});
