import { beforeAll, describe, expect, it } from 'vitest';
import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import { rowVersions, rowsWritten, type TestDatabase } from '../helpers/databases.js';
import { useApp, type AppFixture } from '../helpers/fixture.js';
import { waitFor } from '../helpers/queue.js';

type Run = { id: string; status: string; trigger: string; dryRun: boolean; counts: Record<string, Record<string, number>>; quarantineReason: string | null; approvedBy: string | null };
type Detail = Run & { changes: Array<{ entity: string; action: string; applied: boolean }>; problems: Array<{ kind: string; code: string }>; nextChangesCursor: string | null; domains: unknown[] };

describe('admin API: sync runs', () => {
  const f = new FusionpbxFactory(71);
  const a = f.domain('a.example.net');
  const b = f.domain('b.example.net');
  for (const d of [a, b]) for (let i = 0; i < 6; i++) f.user(d, `u${i}`, { email: i === 0 ? 'shared@example.net' : `u${i}@${d.name}` });
  const fixture = useApp(f, { env: { SYNC_MAX_DISABLE: '2', SYNC_SCHEDULE: '0 0 1 1 *' }, parts: { source: true, queue: true, worker: true, api: true } });
  let store: TestDatabase;
  let fpbx: AppFixture['fpbx'];
  let api: AppFixture['api'];
  beforeAll(() => void ({ store, fpbx, api } = fixture));

  const finished = (id: string) =>
    waitFor(`run ${id}`, async () => {
      const res = await api<Detail>('GET', `/v1/sync/runs/${id}`);
      return ['queued', 'running'].includes(res.body.status) ? null : res.body;
    });

  it('triggers a sync of everything (202 with the run id); the run shows counts, changes and conflicts', async () => {
    const res = await api<{ runId: string; created: boolean }>('POST', '/v1/sync', { body: {} });
    expect(res.status).toBe(202);
    expect(res.body.created).toBe(true);
    const run = await finished(res.body.runId);
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'api', dryRun: false, counts: { users: { created: 12, conflict: 1 } } });
    expect(run.changes.some((c) => c.entity === 'user' && c.action === 'created' && c.applied)).toBe(true);
    expect(run.problems).toEqual([expect.objectContaining({ kind: 'conflict', code: 'EMAIL_DUPLICATE_UPSTREAM' })]);
    expect(run.domains).toHaveLength(2);
  });

  it('pages a run\'s changes', async () => {
    const [latest] = (await api<{ items: Run[] }>('GET', '/v1/sync/runs?limit=1')).body.items;
    const first = await api<Detail>('GET', `/v1/sync/runs/${latest!.id}?limit=5`);
    expect(first.body.changes).toHaveLength(5);
    const second = await api<Detail>('GET', `/v1/sync/runs/${latest!.id}?limit=5&changesCursor=${first.body.nextChangesCursor}`);
    expect(second.body.changes).toHaveLength(5);
    expect(second.body.changes).not.toEqual(first.body.changes);
  });

  it('triggers one domain by name, dry run: nothing is written', async () => {
    const before = await rowVersions(store.db);
    const res = await api<{ runId: string }>('POST', '/v1/sync', { body: { domain: 'A.Example.net.', dryRun: true } });
    expect(res.status).toBe(202);
    const run = await finished(res.body.runId);
    expect(run).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(rowsWritten(before, await rowVersions(store.db))).toBe(0);
  });

  it('answers 404 for an unknown domain and writes no run', async () => {
    const [{ count }] = await store.db('sync_runs').count<{ count: number }[]>('* as count');
    const res = await api('POST', '/v1/sync', { body: { domain: 'nowhere.example.net' } });
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect((await store.db('sync_runs').count<{ count: number }[]>('* as count'))[0]!.count).toBe(count);
  });

  it('lists runs newest first with a cursor', async () => {
    const all = await api<{ items: Run[]; nextCursor: string | null }>('GET', '/v1/sync/runs?limit=500');
    expect(all.body.items.length).toBeGreaterThanOrEqual(2);
    const one = await api<{ items: Run[]; nextCursor: string }>('GET', '/v1/sync/runs?limit=1');
    const two = await api<{ items: Run[] }>('GET', `/v1/sync/runs?limit=1&cursor=${one.body.nextCursor}`);
    expect([one.body.items[0]!.id, two.body.items[0]!.id]).toEqual(all.body.items.slice(0, 2).map((r) => r.id));
  });

  it('approves a quarantined run (applied in the background, ends succeeded) and refuses a second approval', async () => {
    f.users.splice(0, 4);
    await fpbx.rewrite();
    const run = await finished((await api<{ runId: string }>('POST', '/v1/sync', { body: {} })).body.runId);
    expect(run).toMatchObject({ status: 'quarantined', quarantineReason: expect.stringMatching(/would disable/) });
    expect(await store.db('users').where({ status: 'disabled' }).count<{ count: number }[]>('* as count')).toEqual([{ count: 0 }]);
    const approved = await api<Run>('POST', `/v1/sync/runs/${run.id}/approve`);
    expect(approved.status).toBe(202);
    expect(approved.body).toMatchObject({ status: 'running', approvedBy: 'admin' });
    expect(await finished(run.id)).toMatchObject({ status: 'succeeded' });
    expect(await store.db('users').where({ status: 'disabled' }).count<{ count: number }[]>('* as count')).toEqual([{ count: 4 }]);
    expect(await api('POST', `/v1/sync/runs/${run.id}/approve`)).toMatchObject({ status: 409, body: { error: { code: 'RUN_NOT_QUARANTINED' } } });
    expect(await api('POST', `/v1/sync/runs/${run.id}/discard`)).toMatchObject({ status: 409, body: { error: { code: 'RUN_NOT_QUARANTINED' } } });
  });

  it('discards a quarantined run', async () => {
    f.removeDomain(b);
    await fpbx.rewrite();
    const run = await finished((await api<{ runId: string }>('POST', '/v1/sync', { body: {} })).body.runId);
    expect(run.status).toBe('quarantined');
    expect((await api<Run>('POST', `/v1/sync/runs/${run.id}/discard`)).body.status).toBe('discarded');
    expect(await store.db('users').where({ status: 'disabled' }).count<{ count: number }[]>('* as count')).toEqual([{ count: 4 }]);
  });
});
