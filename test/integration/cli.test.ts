import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import { cli } from '../helpers/cli.js';
import { createFusionpbxDatabase, createStoreDatabase, type TestDatabase } from '../helpers/databases.js';

describe('fusionpbx-sync CLI', () => {
  let store: TestDatabase;
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  const f = new FusionpbxFactory(11);
  const d = f.domain('cli.example.net');
  for (let i = 0; i < 6; i++) f.user(d, `user${i}`);
  let env: Record<string, string>;

  beforeAll(async () => {
    store = await createStoreDatabase();
    fpbx = await createFusionpbxDatabase('5.5', f);
    env = { DATABASE_URL: store.url, FUSIONPBX_DATABASE_URL: fpbx.url, LOG_LEVEL: 'info', SYNC_MAX_DISABLE: '2' };
  });
  afterAll(async () => {
    await fpbx.drop();
    await store.drop();
  });

  it('sync --json prints only the run object on stdout and exits 0', async () => {
    const { code, stdout, stderr } = await cli(['sync', '--json'], env);
    expect(code).toBe(0);
    const run = JSON.parse(stdout);
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'cli', dryRun: false, counts: { users: { created: 6 } } });
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('run finished');
  });

  it('sync --domain --dry-run prints a readable report', async () => {
    const { code, stdout } = await cli(['sync', '--domain', 'CLI.example.net.', '--dry-run'], env);
    expect(code).toBe(0);
    expect(stdout).toMatch(/succeeded \(dry run: nothing was written\)/);
    expect(stdout).toMatch(/users\s+0\s+0\s+0\s+0\s+0\s+6/);
  });

  it('exits 3 when the run is quarantined, 2 on bad configuration or an unknown domain', async () => {
    f.users.splice(0, 4);
    await fpbx.rewrite();
    const quarantined = await cli(['sync', '--json'], env);
    expect(quarantined.code).toBe(3);
    expect(JSON.parse(quarantined.stdout)).toMatchObject({ status: 'quarantined', quarantineReason: expect.stringMatching(/would disable 4 users/) });

    const bad = await cli(['sync'], { ...env, SYNC_MAX_DISABLE: 'many', FUSIONPBX_DATABASE_URL: '' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/SYNC_MAX_DISABLE: "many"/);
    expect(bad.stderr).toMatch(/FUSIONPBX_DATABASE_URL: required/);

    const unknown = await cli(['sync', '--domain', 'nowhere.example.net'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/NOT_FOUND: no FusionPBX domain/);
  });

  it('migrate is safe to run twice at once', async () => {
    const [a, b] = await Promise.all([cli(['migrate'], env), cli(['migrate'], env)]);
    expect([a.code, b.code]).toEqual([0, 0]);
  });
});
