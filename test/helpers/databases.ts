import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { dropDatabase, ensureDatabase } from '../../src/demo/databases.js';
import type { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import type { FusionpbxLayout } from '../../src/demo/fusionpbx-schema.js';
import { createKnex } from '../../src/common/postgres.js';
import { TEMPLATE_DB, serverUrl } from './env.js';
import { keep } from './scan.js';

export interface TestDatabase {
  url: string;
  db: Knex;
  drop(): Promise<void>;
}

function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A users store of its own, cloned from the migrated template. */
export async function createStoreDatabase(): Promise<TestDatabase> {
  const name = uniqueName('fps_t');
  const url = await ensureDatabase(serverUrl(), name, { template: TEMPLATE_DB });
  const db = createKnex(url, { applicationName: 'fps-test', poolMax: 4 });
  return { url, db, drop: async () => (await keepStore(db), await db.destroy(), await dropDatabase(serverUrl(), name)) };
}

/** The change log, run errors and activation log of a store, for the secret scan. */
async function keepStore(db: Knex): Promise<void> {
  for (const sql of [
    `select row_to_json(c)::text as t from sync_changes c`,
    `select json_build_object('error', error, 'quarantine', quarantine_reason, 'context', context)::text as t from sync_runs`,
    `select row_to_json(a)::text as t from user_activation_log a`,
  ]) {
    const rows = await db.raw<{ rows: Array<{ t: string }> }>(sql).catch(() => ({ rows: [] }));
    keep('store', rows.rows.map((r) => r.t).join('\n'));
  }
}

/** A FusionPBX database of the given layout, filled from the factory. */
export async function createFusionpbxDatabase(layout: FusionpbxLayout, factory: FusionpbxFactory): Promise<TestDatabase & { rewrite(): Promise<void> }> {
  const name = uniqueName('fpbx_t');
  const url = await ensureDatabase(serverUrl(), name);
  const db = createKnex(url, { applicationName: 'fps-test-fusionpbx', poolMax: 2 });
  await factory.install(db, layout);
  return {
    url,
    db,
    rewrite: () => factory.write(db, layout),
    drop: async () => (await db.destroy(), await dropDatabase(serverUrl(), name)),
  };
}

/**
 * Every row of the store's data tables with its xmin: rows a transaction wrote since a snapshot
 * have a new xmin (inserts and updates), deleted rows are missing.
 */
const KEYS: Record<string, string> = {
  tenants: 'id',
  domains: 'fusionpbx_domain_uuid',
  users: 'id',
  extensions: 'id',
  user_activation_log: 'id',
  user_exclusions: 'fusionpbx_user_uuid',
};

export async function rowVersions(db: Knex, tables = Object.keys(KEYS)): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const table of tables) {
    const rows = await db.raw<{ rows: Array<{ k: string; x: string }> }>(`select ${KEYS[table]}::text as k, xmin::text as x from ${table}`);
    for (const r of rows.rows) out.set(`${table}:${r.k}`, r.x);
  }
  return out;
}

/** How many rows differ between two `rowVersions` snapshots (written, inserted or deleted). */
export function rowsWritten(before: Map<string, string>, after: Map<string, string>): number {
  let n = 0;
  for (const [key, x] of after) if (before.get(key) !== x) n++;
  for (const key of before.keys()) if (!after.has(key)) n++;
  return n;
}
