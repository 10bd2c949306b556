import { parseArgs } from 'node:util';
import { start, type App } from '../app/start.js';
import { formatRun } from '../cli/print-run.js';
import { listen, untilSignal } from '../app/serve.js';
import { createKnex } from '../common/postgres.js';
import { deletePrefix } from '../queue/redis.js';
import { ensureDatabase } from './databases.js';
import { demoFactory } from './demo-data.js';
import { startFreeswitchStandIn } from './freeswitch-stand-in.js';
import { startRestStandIn } from './rest-stand-in.js';

const SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';
const REST_KEY = '3f0c1a9e-5b2d-4e8f-9a1b-2c3d4e5f6a7b:demo-rest-secret';
const ESL_PASSWORD = 'demo-esl-password';
const PREFIX = 'fps-demo';
const ADMIN_TOKEN = 'demo-admin-token-not-for-production';

/**
 * The bundled demo, as the real daemon: a FusionPBX-shaped database built by the factory, a fresh
 * users store, a FreeSWITCH stand-in with a call in progress, the worker and the schedule. It syncs
 * once through the queue, prints the run and where to look, then keeps running until Ctrl-C
 * (`--once`: exit after the first sync). Every setting can be overridden from the environment.
 */
export async function runDemo(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args, options: { source: { type: 'string', default: env.FUSIONPBX_SOURCE ?? 'database' }, once: { type: 'boolean', default: false } } });
  if (values.source !== 'database' && values.source !== 'rest') throw new Error('--source must be database or rest');
  const world = await demoWorld(values.source, env);
  let app: App | null = null;
  try {
    app = await start({ env: world.env, parts: { source: true, queue: true, worker: true, api: true, probe: true } });
    const url = await listen(app);
    if (world.rest) process.stdout.write(`Reading FusionPBX through the REST API stand-in at ${world.rest.url}\n`);
    const { run } = await app.control!.start({ trigger: 'api', actor: 'demo' });
    const final = await app.pipeline!.waitFor(run.id, 100, 120_000);
    const detail = await app.runReads.detailOf(final, { limit: 20 });
    const users = await app.db('users').count<{ count: number }[]>('* as count');
    process.stdout.write(`Demo FusionPBX database: ${world.fusionpbxUrl}\nUsers store: ${world.storeUrl}\n\n${formatRun(detail)}\n${users[0]!.count} users are now in the store.\n`);
    await printWhereToLook(app, url, world);
    if (values.once || final.status !== 'succeeded') return final.status === 'succeeded' ? 0 : 1;
    process.stdout.write('Press Ctrl-C to stop.\n');
    return await untilSignal(app);
  } finally {
    await app?.stop();
    await world.close();
  }
}

/** The demo's FusionPBX database, fresh users store, FreeSWITCH stand-in (a call on acme's 1002) and REST stand-in, and the daemon's environment for them. */
async function demoWorld(source: 'database' | 'rest', env: NodeJS.ProcessEnv) {
  const server = env.DEMO_POSTGRES_URL ?? SERVER;
  const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  // DEMO_NAME lets a test run its own demo beside a developer's.
  const name = env.DEMO_NAME ?? 'demo';
  const fusionpbxUrl = await ensureDatabase(server, `fusionpbx_${name}`, { fresh: true });
  const storeUrl = await ensureDatabase(server, `fusionpbx_sync_${name}`, { fresh: true });
  // Leftover jobs of an earlier demo point at databases that were just recreated.
  await deletePrefix(redisUrl, env.QUEUE_PREFIX ?? PREFIX);
  const factory = demoFactory();
  const fusionpbx = createKnex(fusionpbxUrl, { applicationName: 'fusionpbx-demo', poolMax: 4 });
  await factory.install(fusionpbx, '5.5');
  const rest = source === 'rest' ? await startRestStandIn({ db: fusionpbx, apiKey: REST_KEY }) : null;
  const acme = factory.domains[0]!;
  const freeswitch = await startFreeswitchStandIn({
    password: ESL_PASSWORD,
    channels: [{ uuid: '5d0f7a3e-2b1c-4c7e-9a51-0c3e2a7d9f10', presence_id: `1002@${acme.name}`, callstate: 'ACTIVE', direction: 'inbound', cid_num: '1002', dest: '5551234' }],
  });
  const daemonEnv = {
    LOG_LEVEL: 'warn',
    // Near-real-time: a change made in the demo FusionPBX arrives within seconds.
    SYNC_POLL_SECONDS: '2',
    QUEUE_PREFIX: PREFIX,
    REDIS_URL: redisUrl,
    ADMIN_TOKEN,
    ...env,
    DATABASE_URL: storeUrl,
    FUSIONPBX_SOURCE: source,
    FUSIONPBX_DATABASE_URL: fusionpbxUrl,
    ACTIVE_CALLS: 'esl',
    FREESWITCH_ESL: `${freeswitch.host}:${freeswitch.port}`,
    FREESWITCH_ESL_PASSWORD: ESL_PASSWORD,
    ...(rest ? { FUSIONPBX_API_URL: rest.url, FUSIONPBX_API_KEY: REST_KEY } : {}),
  };
  const close = async () => {
    await rest?.close();
    await freeswitch.close();
    await fusionpbx.destroy();
  };
  return { env: daemonEnv, fusionpbxUrl, storeUrl, rest, freeswitch, acme, close };
}

/** The curl commands that show the API: trigger a sync, try to delete the user on a call, search. */
async function printWhereToLook(app: App, url: string | null, world: Awaited<ReturnType<typeof demoWorld>>): Promise<void> {
  const inCall = await app.db('users as u')
    .join('extensions as e', 'e.user_id', 'u.id')
    .where({ 'e.number': '1002', 'e.fusionpbx_domain_uuid': world.acme.uuid })
    .first('u.id', 'u.first_name', 'u.last_name');
  const token = app.config.adminTokens[0]!.token;
  const someone = await app.db('users').where({ fusionpbx_domain_uuid: world.acme.uuid, source: 'fusionpbx' }).whereNotNull('username').orderBy('username').first('username', 'fusionpbx_user_uuid');
  const polling = app.pollTimer
    ? [
        `Change polling every ${app.config.SYNC_POLL_SECONDS} s: change a user in the demo FusionPBX, as FusionPBX's user page would, and watch it arrive:`,
        `  psql '${world.fusionpbxUrl}' -c "update v_users set user_email = 'moved.${someone?.username ?? 'user'}@acme.example', update_date = now() where user_uuid = '${someone?.fusionpbx_user_uuid ?? '<uuid>'}'"`,
        `  curl -s -H 'Authorization: Bearer ${token}' '${url}/v1/users?q=moved.'`,
      ]
    : ['Change polling is off for this source (the schedule syncs everything).'];
  process.stdout.write(
    [
      '',
      `Console:    ${url}/console   (log in with the token below)`,
      `Admin API:  ${url}   (token: ${token}; the API's reference: ${url}/docs)`,
      `Metrics:    ${url}/metrics`,
      `Worker and schedule (${app.config.SYNC_SCHEDULE}) are running; FreeSWITCH stand-in at ${world.freeswitch.host}:${world.freeswitch.port} with a call on extension 1002.`,
      '',
      'Trigger a sync (202, with the run id; then GET /v1/sync/runs/<runId>):',
      `  curl -s -X POST -H 'Authorization: Bearer ${token}' -H 'content-type: application/json' -d '{}' ${url}/v1/sync`,
      `Try to delete ${inCall?.first_name ?? ''} ${inCall?.last_name ?? ''}, who is on a call on extension 1002 (refused: 409 USER_IN_ACTIVE_CALL):`,
      `  curl -s -X DELETE -H 'Authorization: Bearer ${token}' ${url}/v1/users/${inCall?.id ?? '<id>'}`,
      'Search users:',
      `  curl -s -H 'Authorization: Bearer ${token}' '${url}/v1/users?q=smith'`,
      ...polling,
      'Sync one user alone, and read the trace of what it did (GET /v1/sync/runs/<runId>):',
      `  curl -s -X POST -H 'Authorization: Bearer ${token}' -H 'content-type: application/json' -d '{"user":"${someone?.username ?? 'user'}@${world.acme.name}"}' ${url}/v1/sync`,
      '',
    ].join('\n'),
  );
}
