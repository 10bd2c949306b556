import { createKnex } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { ensureDatabase } from '../src/demo/databases.js';
import { TEMPLATE_DB, serverUrl } from './helpers/env.js';

/** Migrates one template database per test run; each test file clones it (test/helpers/databases.ts). */
export async function setup(): Promise<void> {
  const url = await ensureDatabase(serverUrl(), TEMPLATE_DB, { fresh: true });
  const db = createKnex(url, { applicationName: 'fps-test-template', poolMax: 2 });
  try {
    await migrate(db);
  } finally {
    await db.destroy();
  }
}
