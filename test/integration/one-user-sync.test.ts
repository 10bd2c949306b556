import { describe, expect, it } from 'vitest';
import { syncOnce } from '../helpers/app.js';
import { cli } from '../helpers/cli.js';
import { useApp } from '../helpers/fixture.js';
import { FusionpbxEdits } from '../helpers/fusionpbx-edits.js';
import { platform } from '../helpers/platform.js';
import { waitFor } from '../helpers/queue.js';

type Trace = Array<{ step: string; outcome: string; detail: string }>;
type Run = { id: string; status: string; error: string | null; user: string | null; trace?: Trace; counts: Record<string, Record<string, number>> };

/** POST /v1/sync {user}: one FusionPBX user synced alone, through the queue (and through the CLI), with a trace. */
describe('one-user sync', () => {
  const f = platform(41, 2, 4, 'any');
  const fx = useApp(f, { parts: { source: true, queue: true, worker: true, api: true }, env: { SYNC_SCHEDULE: '0 0 1 1 *', HOUSEKEEPING_SCHEDULE: '0 0 1 1 *' }, synced: true });
  const [a, b] = f.users.filter((u) => u.domainUuid === f.domains[0]!.uuid);
  const edits = () => new FusionpbxEdits(fx.fpbx.url);
  const stored = (uuid: string) => fx.store.db('users').where({ fusionpbx_user_uuid: uuid }).first();

  async function syncUser(body: Record<string, unknown>): Promise<Run> {
    const started = await fx.api<{ runId: string }>('POST', '/v1/sync', { body });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    return waitFor('the one-user run', async () => {
      const run = await fx.api<Run>('GET', `/v1/sync/runs/${started.body.runId}`);
      return ['queued', 'running'].includes(run.body.status) ? null : run.body;
    });
  }

  it('applies user A\'s change only, though B changed too; the trace names the rule and every field it changed', async () => {
    await edits().changeEmail(a!.uuid, 'A.Moved@p0.example.com');
    await edits().changeEmail(b!.uuid, 'b.moved@p0.example.com');
    const run = await syncUser({ user: a!.uuid.toUpperCase() });
    expect(run).toMatchObject({ status: 'succeeded', error: null, user: a!.uuid, counts: { users: { updated: 1 } } });
    expect((await stored(a!.uuid)).email).toBe('a.moved@p0.example.com');
    expect((await stored(b!.uuid)).email).toBe(b!.email!.toLowerCase());
    expect(run.trace!.map((t) => t.step)).toEqual(['read', 'match', 'plan', 'apply']);
    expect(run.trace![0]).toMatchObject({ outcome: 'found', detail: expect.stringContaining('email "a.moved@p0.example.com"') });
    expect(run.trace![0]!.detail).toContain('from the database source');
    expect(run.trace![1]).toMatchObject({ outcome: 'uuid' });
    expect(run.trace![2]).toEqual({ step: 'plan', outcome: 'user.email', detail: `${JSON.stringify(a!.email!.toLowerCase())} -> "a.moved@p0.example.com" (updated)` });
    expect(run.trace![3]).toMatchObject({ outcome: 'applied' });
    // B is still pending: the next run of the domain plans it (the one-user run left no fingerprint behind).
    expect((await syncOnce(fx.app)).status).toBe('succeeded');
    expect((await stored(b!.uuid)).email).toBe('b.moved@p0.example.com');
  });

  it('creates a user new in FusionPBX with its extension, by username@domain; a dry run writes nothing', async () => {
    const added = await edits().addUserWithExtension(f.domains[1]!.uuid, 'Newcomer', 'newcomer@p1.example.com', '555');
    const dry = await syncUser({ user: `newcomer@${f.domains[1]!.name.toUpperCase()}`, dryRun: true });
    expect(dry.trace!.at(-1)).toMatchObject({ step: 'apply', outcome: 'not applied: dry run' });
    expect(await stored(added.userUuid)).toBeUndefined();
    const run = await syncUser({ user: `newcomer@${f.domains[1]!.name}` });
    expect(run.status).toBe('succeeded');
    expect(run.trace!.find((t) => t.step === 'match')).toMatchObject({ outcome: 'created' });
    const outcomes = run.trace!.filter((t) => t.step === 'plan').map((t) => t.outcome);
    expect(outcomes).toEqual(expect.arrayContaining(['user.email', 'user.firstName', 'extension 555.userId']));
    const user = await stored(added.userUuid);
    expect(await fx.store.db('extensions').where({ fusionpbx_extension_uuid: added.extensionUuid }).first()).toMatchObject({ user_id: user.id, number: '555' });
  });

  it('refuses an unknown user (404), a malformed one and a domain with a user (400)', async () => {
    expect((await fx.api('POST', '/v1/sync', { body: { user: '00000000-0000-0000-0000-00000000dead' } })).status).toBe(404);
    expect((await fx.api('POST', '/v1/sync', { body: { user: 'nobody@p0.example.net' } })).status).toBe(404);
    expect((await fx.api('POST', '/v1/sync', { body: { user: 'not a user' } })).status).toBe(400);
    expect((await fx.api('POST', '/v1/sync', { body: { user: a!.uuid, domain: f.domains[0]!.name } })).status).toBe(400);
  });

  it('runs from the CLI as well: sync --user --json prints the run with its trace', async () => {
    await edits().changeEmail(b!.uuid, 'b.cli@p0.example.com');
    const result = await cli(['sync', '--user', `${b!.username}@${f.domains[0]!.name}`, '--json'], { DATABASE_URL: fx.store.url, FUSIONPBX_DATABASE_URL: fx.fpbx.url, LOG_LEVEL: 'warn' });
    expect(result.code, result.stderr).toBe(0);
    const run = JSON.parse(result.stdout) as Run;
    expect(run).toMatchObject({ status: 'succeeded', user: b!.uuid });
    expect(run.trace!.find((t) => t.outcome === 'user.email')?.detail).toContain('"b.cli@p0.example.com"');
    expect((await stored(b!.uuid)).email).toBe('b.cli@p0.example.com');
  }, 30_000);
});
