import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import { cli } from '../helpers/cli.js';
import { createFusionpbxDatabase, createStoreDatabase, type TestDatabase } from '../helpers/databases.js';
import { platform } from '../helpers/platform.js';
import { keep } from '../helpers/scan.js';

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

describe('fusionpbx-sync CLI: usage, exit codes, progress and signals', () => {
  let store: TestDatabase;
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let env: Record<string, string>;
  // Enough domains for many batches: SIGINT comes after the first, while later ones are still to start.
  const f = platform(12, 600, 1, 'any');

  beforeAll(async () => {
    store = await createStoreDatabase();
    fpbx = await createFusionpbxDatabase('5.5', f);
    env = { DATABASE_URL: store.url, FUSIONPBX_DATABASE_URL: fpbx.url, LOG_LEVEL: 'info' };
  }, 60_000);
  afterAll(async () => {
    await fpbx.drop();
    await store.drop();
  });

  it('--version prints the package version; help <command> its usage; a usage error exits 2', async () => {
    const version = await cli(['--version'], env);
    expect(version).toMatchObject({ code: 0, stdout: `fusionpbx-sync ${JSON.parse(readFileSync('package.json', 'utf8')).version}\n` });
    expect((await cli(['help', 'sync'], env)).stdout).toMatch(/^Usage: fusionpbx-sync sync \[--domain D \| --user U\]/);
    const unknownOption = await cli(['sync', '--domian', 'x', '--json'], env);
    expect(unknownOption.code).toBe(2);
    expect(JSON.parse(unknownOption.stdout)).toEqual({ error: { code: 'USAGE', message: expect.stringContaining("Unknown option '--domian'") } });
    expect((await cli(['frobnicate'], env)).code).toBe(2);
  });

  it('exits only once stdout is out: a result larger than a pipe holds, read late, arrives whole', async () => {
    // src/main.ts ends every command with exitWhenFlushed; process.exit alone cuts a piped output at 64 KiB.
    const script = "const { exitWhenFlushed } = await import('./src/cli/exit.ts'); process.stdout.write('x'.repeat(1 << 20)); await exitWhenFlushed(0);";
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'inherit'] });
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    let received = 0;
    child.stdout.on('data', (c: Buffer) => (received += c.length)).resume();
    expect(await closed).toBe(0);
    expect(received).toBe(1 << 20);
  });

  it('exits 4 when a dependency cannot be reached, and --json still prints one JSON object', async () => {
    const result = await cli(['sync', '--json'], { ...env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' });
    expect(result.code).toBe(4);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'DEPENDENCY_UNREACHABLE' } });
  });

  it('reports progress per batch on stderr; SIGINT lets the batches in flight finish and ends the run failed, exit 130', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'sync', '--json'], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => {
      stderr += c;
      if (stderr.includes('"sync progress"') && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    keep('log', stdout + stderr);
    expect(code).toBe(130);
    const run = JSON.parse(stdout) as { status: string; error: string };
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^interrupted \(SIGINT\) with \d+ domain\(s\) not synced/);
    // What was done stays done: the next run syncs the rest and ends as a clean run would.
    const done = Number((await store.db('sync_runs').whereNotNull('parent_id').where({ status: 'succeeded' }).count<{ count: number }[]>('* as count'))[0]!.count);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(600);
    const again = await cli(['sync', '--json'], env);
    expect(again.code).toBe(0);
    expect(Number((await store.db('users').count<{ count: number }[]>('* as count'))[0]!.count)).toBe(f.users.length);
  }, 60_000);
});
