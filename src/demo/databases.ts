import { createKnex } from '../common/postgres.js';

/** The same server URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates a database when it does not exist (used by the demo and the tests; never by the daemon). */
export async function ensureDatabase(serverUrl: string, database: string, options: { fresh?: boolean; template?: string } = {}): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`unsafe database name ${database}`);
  const admin = createKnex(withDatabase(serverUrl, 'postgres'), { applicationName: 'fusionpbx-sync-setup', poolMax: 1 });
  try {
    if (options.fresh) await admin.raw(`drop database if exists ${database} with (force)`);
    const exists = await admin.raw<{ rows: unknown[] }>('select 1 from pg_database where datname = ?', [database]);
    if (exists.rows.length === 0) await admin.raw(`create database ${database}${options.template ? ` template ${options.template}` : ''}`);
  } finally {
    await admin.destroy();
  }
  return withDatabase(serverUrl, database);
}

export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const admin = createKnex(withDatabase(serverUrl, 'postgres'), { applicationName: 'fusionpbx-sync-setup', poolMax: 1 });
  try {
    await admin.raw(`drop database if exists ${database} with (force)`);
  } finally {
    await admin.destroy();
  }
}
