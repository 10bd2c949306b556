import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/store/run-store.js';
import { createStoreDatabase, type TestDatabase } from '../helpers/databases.js';

/** The retention prune: old finished runs go with their domain runs and their change logs; nothing else does. */
describe('run retention', () => {
  let store: TestDatabase;
  const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`;

  beforeAll(async () => {
    store = await createStoreDatabase();
  });
  afterAll(async () => {
    await store.drop();
  });

  it('deletes finished runs older than the retention, their domain runs and every change they logged', async () => {
    const run = (n: number, parent: number | null, status: string, daysAgo: number) => ({
      id: id(n),
      parent_id: parent === null ? null : id(parent),
      trigger: 'schedule',
      scope_key: parent === null ? `all-${n}` : `domain-${n}`,
      status,
      queued_at: store.db.raw(`now() - (? || ' days')::interval`, [daysAgo]),
      finished_at: status === 'running' ? null : store.db.raw(`now() - (? || ' days')::interval`, [daysAgo]),
    });
    // 1 (old, with domain run 2) and 3 (old, failed) go; 4 (recent) and 5 (old but still running, with domain run 6) stay.
    await store.db('sync_runs').insert([run(1, null, 'succeeded', 100), run(3, null, 'failed', 95), run(4, null, 'succeeded', 10), run(5, null, 'running', 100)]);
    await store.db('sync_runs').insert([run(2, 1, 'succeeded', 100), run(6, 5, 'succeeded', 100)]);
    const change = (runId: string | null) => ({ run_id: runId, kind: 'change', entity: 'user', action: 'created', object_id: id(99), actor: 'sync', applied: true });
    await store.db('sync_changes').insert([1, 2, 2, 3, 4, 5, 6].map((n) => change(id(n))).concat([change(null)]));

    expect(await new RunStore().deleteFinishedBefore(store.db, 90)).toBe(2);
    const runs = await store.db('sync_runs').orderBy('id').pluck('id');
    expect(runs).toEqual([id(4), id(5), id(6)]);
    const logged = await store.db('sync_changes').orderBy('id').select('run_id');
    expect(logged.map((r: { run_id: string | null }) => r.run_id)).toEqual([id(4), id(5), id(6), null]);
  });
});
