import { start } from '../app/start.js';
import { formatRun } from '../cli/print-run.js';
import { createKnex } from '../store/db.js';
import { runDetail } from '../sync/run-view.js';
import { parseArgs } from 'node:util';
import { ensureDatabase } from './databases.js';
import { demoFactory } from './demo-data.js';
import { startRestStandIn } from './rest-stand-in.js';

const SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The bundled demo: a FusionPBX-shaped database built by the factory, a fresh users store, one
 * sync, and its report. Every setting can be overridden from the environment.
 */
export async function runDemo(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args, options: { source: { type: 'string', default: env.FUSIONPBX_SOURCE ?? 'database' } } });
  if (values.source !== 'database' && values.source !== 'rest') throw new Error('--source must be database or rest');
  const server = env.DEMO_POSTGRES_URL ?? SERVER;
  const fusionpbxUrl = await ensureDatabase(server, 'fusionpbx_demo', { fresh: true });
  const storeUrl = await ensureDatabase(server, 'fusionpbx_sync_demo', { fresh: true });

  const fusionpbx = createKnex(fusionpbxUrl, { applicationName: 'fusionpbx-demo', poolMax: 4 });
  await demoFactory().install(fusionpbx, '5.5');
  // With --source rest the sync reads the demo data through the project's REST API stand-in.
  const apiKey = '3f0c1a9e-5b2d-4e8f-9a1b-2c3d4e5f6a7b:demo-rest-secret';
  const rest = values.source === 'rest' ? await startRestStandIn({ db: fusionpbx, apiKey }) : null;

  const demoEnv = {
    LOG_LEVEL: 'warn',
    ...env,
    DATABASE_URL: storeUrl,
    FUSIONPBX_SOURCE: values.source,
    FUSIONPBX_DATABASE_URL: fusionpbxUrl,
    ...(rest ? { FUSIONPBX_API_URL: rest.url, FUSIONPBX_API_KEY: apiKey } : {}),
  };
  const app = await start({ env: demoEnv, parts: { source: true }, processMetrics: false });
  try {
    if (rest) process.stdout.write(`Reading FusionPBX through the REST API stand-in at ${rest.url}\n`);
    const { run } = await app.sync!.requestRun({ trigger: 'cli', actor: 'demo' });
    const final = await app.sync!.runInProcess(run.id);
    const detail = await runDetail(app.db, app.stores.runs, app.stores.changes, final, { limit: 20 });
    process.stdout.write(`Demo FusionPBX database: ${fusionpbxUrl}\nUsers store: ${storeUrl}\n\n${formatRun(detail)}`);
    const users = await app.db('users').count<{ count: number }[]>('* as count');
    process.stdout.write(`\n${users[0]!.count} users are now in the store.\n`);
    if (!rest) process.stdout.write(`Run the sync again with:\n  DATABASE_URL=${storeUrl} FUSIONPBX_DATABASE_URL=${fusionpbxUrl} node dist/src/main.js sync\n`);
    return final.status === 'succeeded' ? 0 : 1;
  } finally {
    await app.stop();
    await rest?.close();
    await fusionpbx.destroy();
  }
}
