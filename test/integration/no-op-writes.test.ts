import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { createFusionpbxDatabase, createStoreDatabase, type TestDatabase } from '../helpers/databases.js';
import { platform, withLeftovers } from '../helpers/platform.js';
import { waitFor } from '../helpers/queue.js';

type Counters = Map<string, number>;

/** Every store table's write counters (inserts, updates, deletes) as PostgreSQL counts them. */
async function writeCounters(db: Knex): Promise<Counters> {
  await db.raw('select pg_stat_clear_snapshot()');
  const rows = await db.raw<{ rows: Array<{ relname: string; writes: string }> }>(
    `select relname, (n_tup_ins + n_tup_upd + n_tup_del)::text as writes from pg_stat_user_tables`,
  );
  return new Map(rows.rows.map((r) => [r.relname, Number(r.writes)]));
}

function moved(before: Counters, after: Counters): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [table, n] of after) if (n !== (before.get(table) ?? 0)) out[table] = n - (before.get(table) ?? 0);
  return out;
}

/**
 * "A re-run with no upstream change writes no rows outside sync_runs and sync_changes" (design §3),
 * measured by PostgreSQL's own counters across a whole `fusionpbx-sync sync` process: its start
 * (migrations), its run, its exit. A process's counters reach pg_stat when its connections close.
 */
describe('a sync with nothing changed upstream', () => {
  const f = withLeftovers(platform(23, 10, 20, 'any'), 3);
  let store: TestDatabase;
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    store = await createStoreDatabase();
    fpbx = await createFusionpbxDatabase('5.4', f);
    env = { DATABASE_URL: store.url, FUSIONPBX_DATABASE_URL: fpbx.url, LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await fpbx.drop();
    await store.drop();
  });

  /** Runs the CLI and waits until its counters have reached pg_stat: sync_runs moved and nothing moves any more. */
  async function syncAndSettle(before: Counters): Promise<Counters> {
    const run = await cli(['sync', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    let last = '';
    return waitFor('the sync process\'s statistics', async () => {
      const now = await writeCounters(store.db);
      const key = JSON.stringify([...now]);
      const settled = key === last && (now.get('sync_runs') ?? 0) > (before.get('sync_runs') ?? 0);
      last = key;
      return settled ? now : null;
    }, 15_000, 300);
  }

  it('moves no write counter of any store table but sync_runs and sync_changes, migrations included', async () => {
    const first = await syncAndSettle(await writeCounters(store.db));
    expect(first.get('users')).toBeGreaterThan(150);
    const second = await syncAndSettle(first);
    const changed = moved(first, second);
    expect(changed.sync_runs).toBeGreaterThan(0);
    expect(Object.keys(changed).filter((table) => table !== 'sync_runs' && table !== 'sync_changes')).toEqual([]);
  });
});
