import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import { startRestStandIn, type RestStandIn } from '../../src/demo/rest-stand-in.js';
import type { App } from '../../src/app/start.js';
import { startTestApp, syncOnce, type TestApp } from '../helpers/app.js';
import { createFusionpbxDatabase, createStoreDatabase, rowVersions, rowsWritten, type TestDatabase } from '../helpers/databases.js';

const KEY = '11111111-2222-4333-8444-555555555555:stand-in-secret';

/** Data both sources can see alike: names in the contact equal the extension's directory names. */
function fixture() {
  const f = new FusionpbxFactory(21);
  const d = f.domain('same.example.net');
  for (let i = 0; i < 8; i++) {
    const first = `First${i}`;
    const last = `Last${i}`;
    const u = f.user(d, `user${i}`, { email: `user${i}@same.example`, contact: { given: first, family: last }, groups: i === 0 ? ['admin'] : ['user'] });
    f.link(f.extension(d, String(100 + i), { firstName: first, lastName: last, userContext: null }), u);
  }
  return f;
}

async function plannedChanges(app: App, runId: string) {
  const rows = await app.db('sync_changes').where({ run_id: runId, kind: 'change' }).orderBy('id');
  return rows
    .map((r: Record<string, unknown>) => ({ entity: r.entity, action: r.action, fusionpbxUuid: r.fusionpbx_uuid, before: r.before, after: r.after }))
    .sort((a, b) => `${a.entity}${a.fusionpbxUuid}`.localeCompare(`${b.entity}${b.fusionpbxUuid}`));
}

describe('rest and database sources agree', () => {
  const f = fixture();
  let store: TestDatabase;
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let common: RestStandIn;
  let extended: RestStandIn;
  let viaDatabase: TestApp;

  beforeAll(async () => {
    store = await createStoreDatabase();
    fpbx = await createFusionpbxDatabase('5.5', f);
    common = await startRestStandIn({ db: fpbx.db, apiKey: KEY });
    extended = await startRestStandIn({ db: fpbx.db, apiKey: KEY, withEmails: true });
    viaDatabase = await startTestApp({ store: store.url, fusionpbx: fpbx.url });
    expect((await syncOnce(viaDatabase)).status).toBe('succeeded');
  });
  afterAll(async () => {
    await viaDatabase.stop();
    await common.close();
    await extended.close();
    await fpbx.drop();
    await store.drop();
  });

  const viaRest = (standIn: RestStandIn) => startTestApp({ store: store.url }, { FUSIONPBX_SOURCE: 'rest', FUSIONPBX_API_URL: standIn.url, FUSIONPBX_API_KEY: KEY });

  it('a build without emails and groups changes no email and no role of a store the database source filled', async () => {
    const app = await viaRest(common);
    try {
      const before = await rowVersions(store.db);
      const run = await syncOnce(app);
      expect(run.status).toBe('succeeded');
      expect(rowsWritten(before, await rowVersions(store.db))).toBe(0);
      expect(run.counts.users).toEqual({ unchanged: 8 });
      expect(await store.db('users').whereNull('email').count<{ count: number }[]>('* as count')).toEqual([{ count: 0 }]);
      expect(await store.db('users').where({ role: 'admin' }).count<{ count: number }[]>('* as count')).toEqual([{ count: 1 }]);
    } finally {
      await app.stop();
    }
  });

  it('plans the same changes for the same upstream changes', async () => {
    const [, gone, off, moved, renamed, promoted, sharer, other] = f.users as Array<(typeof f.users)[number]>;
    f.removeUser(gone!);
    off!.enabled = false;
    moved!.email = 'renamed@same.example';
    renamed!.contact!.given = 'Renamed';
    f.extensions[4]!.firstName = 'Renamed';
    promoted!.groups = ['superadmin'];
    f.extensions[6]!.userUuids = [sharer!.uuid, other!.uuid];
    await fpbx.rewrite();

    const fromDatabase = await syncOnce(viaDatabase, { dryRun: true });
    const app = await viaRest(extended);
    try {
      const fromRest = await syncOnce(app, { dryRun: true });
      const a = await plannedChanges(viaDatabase, fromDatabase.id);
      const b = await plannedChanges(app, fromRest.id);
      expect(a.length).toBeGreaterThanOrEqual(6);
      expect(b).toEqual(a);
      expect(fromRest.counts).toEqual(fromDatabase.counts);
    } finally {
      await app.stop();
    }
  });
});
