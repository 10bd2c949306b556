import { start } from '../app/start.js';
import { formatRun } from '../cli/print-run.js';
import { createKnex } from '../store/db.js';
import { runDetail } from '../sync/run-view.js';
import { ensureDatabase } from './databases.js';
import { demoFactory } from './demo-data.js';

const SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The bundled demo: a FusionPBX-shaped database built by the factory, a fresh users store, one
 * sync, and its report. Every setting can be overridden from the environment.
 */
export async function runDemo(_args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const server = env.DEMO_POSTGRES_URL ?? SERVER;
  const fusionpbxUrl = await ensureDatabase(server, 'fusionpbx_demo', { fresh: true });
  const storeUrl = await ensureDatabase(server, 'fusionpbx_sync_demo', { fresh: true });

  const fusionpbx = createKnex(fusionpbxUrl, { applicationName: 'fusionpbx-demo-setup', poolMax: 2 });
  try {
    await demoFactory().install(fusionpbx, '5.5');
  } finally {
    await fusionpbx.destroy();
  }

  const demoEnv = {
    DATABASE_URL: storeUrl,
    FUSIONPBX_SOURCE: 'database',
    FUSIONPBX_DATABASE_URL: fusionpbxUrl,
    LOG_LEVEL: 'warn',
    ...env,
  };
  const app = await start({ env: demoEnv, parts: { source: true }, processMetrics: false });
  try {
    const { run } = await app.sync!.requestRun({ trigger: 'cli', actor: 'demo' });
    const final = await app.sync!.runInProcess(run.id);
    const detail = await runDetail(app.db, app.stores.runs, app.stores.changes, final, { limit: 20 });
    process.stdout.write(`Demo FusionPBX database: ${fusionpbxUrl}\nUsers store: ${storeUrl}\n\n${formatRun(detail)}`);
    const users = await app.db('users').count<{ count: number }[]>('* as count');
    process.stdout.write(`\n${users[0]!.count} users are now in the store. Run it again with:\n  DATABASE_URL=${storeUrl} FUSIONPBX_DATABASE_URL=${fusionpbxUrl} node dist/src/main.js sync\n`);
    return final.status === 'succeeded' ? 0 : 1;
  } finally {
    await app.stop();
  }
}
