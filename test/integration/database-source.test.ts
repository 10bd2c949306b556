import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import type { FusionpbxLayout } from '../../src/demo/fusionpbx-schema.js';
import { DatabaseSource } from '../../src/sources/database/database-source.js';
import { DOMAINS_SQL, EXTENSIONS_SQL, USERS_SQL } from '../../src/sources/database/queries.js';
import type { DomainSnapshot } from '../../src/sources/model.js';
import { createKnex } from '../../src/common/postgres.js';
import { createFusionpbxDatabase } from '../helpers/databases.js';

function fixture() {
  const f = new FusionpbxFactory(7);
  const acme = f.domain('Acme.Example.NET.');
  const off = f.domain('off.example.net', { enabled: false });
  const alice = f.user(acme, 'alice', { email: '  Alice@ACME.example ', contact: { given: 'Alice', family: 'Smith' }, groups: ['admin', 'user'] });
  const legacy = f.user(acme, 'legacy', { email: null, contact: { given: 'Leg', family: 'Acy', emails: [{ address: 'other@acme.example', primary: false }, { address: 'Legacy@Acme.example', primary: true }] } });
  const boss = f.user(acme, 'boss', { groups: ['superadmin'], contact: null });
  const gone = f.user(acme, 'gone');
  const ext = f.extension(acme, '101', { numberAlias: '5101', callerIdName: 'Alice Smith', firstName: 'Alice', lastName: 'Smith' });
  f.link(ext, alice);
  f.link(ext, gone);
  const shared = f.extension(acme, '102');
  f.link(shared, legacy);
  f.link(shared, boss);
  f.extension(acme, '199', { enabled: false });
  f.user(off, 'offuser');
  f.removeUser(gone); // FusionPBX leaves the v_extension_users row behind
  return { f, acme, off, alice, legacy, boss, ext };
}

for (const layout of ['5.4', '5.5'] as FusionpbxLayout[]) {
  describe(`database source on the FusionPBX ${layout} layout`, () => {
    const fx = fixture();
    let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
    let source: DatabaseSource;
    let acme: Extract<DomainSnapshot, { state: 'present' }>;

    beforeAll(async () => {
      fpbx = await createFusionpbxDatabase(layout, fx.f);
      source = new DatabaseSource(createKnex(fpbx.url, { applicationName: 'test-reader', readOnly: true, poolMax: 2 }));
      acme = (await source.readDomains([fx.acme.uuid]))[0] as typeof acme;
    });
    afterAll(async () => {
      await source.close();
      await fpbx.drop();
    });

    it('lists every domain with a normalised name and its flag', async () => {
      const domains = await source.listDomains();
      expect(domains).toEqual(
        expect.arrayContaining([
          { uuid: fx.acme.uuid, name: 'acme.example.net', enabled: true },
          { uuid: fx.off.uuid, name: 'off.example.net', enabled: false },
        ]),
      );
    });

    it('reads users with email (user_email, else the primary contact email), names and groups', () => {
      const byName = new Map(acme.users.map((u) => [u.username, u]));
      expect(byName.get('alice')).toMatchObject({ email: 'alice@acme.example', firstName: 'Alice', lastName: 'Smith', groups: ['admin', 'user'], enabled: true });
      expect(byName.get('legacy')?.email).toBe('legacy@acme.example');
      expect(byName.get('boss')).toMatchObject({ firstName: null, lastName: null, groups: ['superadmin'] });
      expect(acme.users).toHaveLength(3);
    });

    it('reads extensions with their links, ignoring links to deleted users', () => {
      const byNumber = new Map(acme.extensions.map((e) => [e.number, e]));
      expect(byNumber.get('101')).toMatchObject({ numberAlias: '5101', callerIdName: 'Alice Smith', firstName: 'Alice', lastName: 'Smith', enabled: true, userUuids: [fx.alice.uuid] });
      expect(byNumber.get('102')?.userUuids).toEqual([fx.legacy.uuid, fx.boss.uuid].sort());
      expect(byNumber.get('199')).toMatchObject({ enabled: false, userUuids: [] });
    });

    it('reports a domain that no longer exists as absent', async () => {
      const [gone] = await source.readDomains(['99999999-9999-4999-8999-999999999999']);
      expect(gone).toEqual({ state: 'absent', domainUuid: '99999999-9999-4999-8999-999999999999', problems: [] });
    });

    it('gives a census of every user with its email', async () => {
      const census = await source.census();
      expect(census.users.map((u) => u.uuid).sort()).toEqual(fx.f.users.map((u) => u.uuid).sort());
      expect(census.users.find((u) => u.uuid === fx.legacy.uuid)?.email).toBe('legacy@acme.example');
    });

    it('never selects a secret column, and no secret value reaches the model', async () => {
      for (const sql of [DOMAINS_SQL, USERS_SQL, EXTENSIONS_SQL]) {
        expect(sql).not.toMatch(/\bpassword\b|\bsalt\b|api_key|totp|\bu\.\*|\be\.\*|select \*/i);
      }
      const everything = JSON.stringify([await source.census(), await source.readDomains([fx.acme.uuid, fx.off.uuid])]);
      expect(everything).not.toMatch(/secret|salt-|api-key|TOTPSECRET/);
    });

    it('reads in a transaction that cannot write', async () => {
      const reader = createKnex(fpbx.url, { applicationName: 'test-reader', readOnly: true, poolMax: 1 });
      await expect(reader.transaction((trx) => trx.raw(`update v_users set username = 'x'`), { readOnly: true })).rejects.toThrow(/read-only transaction/);
      await expect(reader.raw(`delete from v_users`)).rejects.toThrow(/read-only transaction/);
      await reader.destroy();
    });
  });
}

describe('database source on bad FusionPBX data (5.4 text flags)', () => {
  it('records rows with unknown flag values or missing fields and keeps the rest', async () => {
    const f = new FusionpbxFactory(9);
    const d = f.domain('bad.example.net');
    f.user(d, 'ok');
    const odd = f.user(d, 'odd', { enabled: 'yes' });
    f.extension(d, '100', { enabled: 'maybe' });
    f.extension(d, '101');
    const fpbx = await createFusionpbxDatabase('5.4', f);
    await fpbx.db.raw(`insert into v_users (user_uuid, domain_uuid, username, user_enabled) values ('00000000-0000-4000-8000-0000000000ff', null, 'nodomain', 'true')`);
    const source = new DatabaseSource(createKnex(fpbx.url, { applicationName: 'test-reader', readOnly: true, poolMax: 2 }));
    try {
      const [snap] = (await source.readDomains([d.uuid])) as Array<Extract<DomainSnapshot, { state: 'present' }>>;
      expect(snap!.users.map((u) => u.username)).toEqual(['ok']);
      expect(snap!.unreadableUserUuids).toEqual([odd.uuid]);
      expect(snap!.extensions.map((e) => e.number)).toEqual(['101']);
      expect(snap!.problems.map((p) => `${p.entity}:${p.code}`).sort()).toEqual(['extension:INVALID_FLAG', 'user:INVALID_FLAG']);
      const census = await source.census();
      expect(census.problems.map((p) => p.code)).toContain('MISSING_FIELD');
    } finally {
      await source.close();
      await fpbx.drop();
    }
  });
});
