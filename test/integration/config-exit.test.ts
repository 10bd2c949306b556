import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../src/common/semaphore.js';

/** A complete environment for `start`; nothing answers on these addresses, and nothing must be tried. */
const VALID: Record<string, string> = {
  DATABASE_URL: 'postgres://fps:db-secret-pw@127.0.0.1:1/fps',
  REDIS_URL: 'redis://127.0.0.1:1',
  FUSIONPBX_DATABASE_URL: 'postgres://reader:fpbx-secret-pw@127.0.0.1:1/fusionpbx',
  ADMIN_TOKEN: 'config-test-token-0123456789',
  FREESWITCH_ESL: '127.0.0.1:1',
  FREESWITCH_ESL_PASSWORD: 'esl-secret-pw',
};
const REST = { FUSIONPBX_SOURCE: 'rest', FUSIONPBX_API_URL: 'https://pbx.example.com', FUSIONPBX_API_KEY: 'k:rest-secret-pw' };

type Case = { variable: string; env: Record<string, string | undefined> };
const missing = (variable: string, extra: Record<string, string> = {}): Case => ({ variable, env: { ...extra, [variable]: undefined } });
const bad = (variable: string, value: string, extra: Record<string, string> = {}): Case => ({ variable, env: { ...extra, [variable]: value } });

const CASES: Case[] = [
  ...['DATABASE_URL', 'REDIS_URL', 'FUSIONPBX_DATABASE_URL', 'ADMIN_TOKEN', 'FREESWITCH_ESL', 'FREESWITCH_ESL_PASSWORD'].map((v) => missing(v)),
  missing('FUSIONPBX_API_URL', REST),
  missing('FUSIONPBX_API_KEY', REST),
  missing('FREESWITCH_XMLRPC_URL', { ACTIVE_CALLS: 'xmlrpc' }),
  bad('DATABASE_URL', 'mysql://db/fps'),
  bad('REDIS_URL', 'http://127.0.0.1:6379'),
  bad('FUSIONPBX_SOURCE', 'ldap'),
  bad('FUSIONPBX_DATABASE_URL', 'fusionpbx'),
  bad('FUSIONPBX_API_URL', 'ftp://pbx.example.com', REST),
  bad('FUSIONPBX_API_KEY', 'no-colon', REST),
  bad('FUSIONPBX_API_TIMEOUT_MS', '-5'),
  bad('FUSIONPBX_API_CONCURRENCY', '0'),
  bad('FUSIONPBX_API_PAGE_SIZE', '5000'),
  bad('FUSIONPBX_API_RETRIES', '11'),
  bad('ACTIVE_CALLS', 'sip'),
  bad('FREESWITCH_ESL', 'fs1'),
  bad('FREESWITCH_XMLRPC_URL', 'fs1:8080', { ACTIVE_CALLS: 'xmlrpc' }),
  bad('PROBE_TIMEOUT_MS', 'soon'),
  bad('SYNC_SCHEDULE', '61 * * * *'),
  bad('SYNC_TIMEZONE', 'Mars/Olympus'),
  bad('SYNC_MAX_DISABLE', 'lots'),
  bad('SYNC_MAX_DISABLE_FLOOR', '-1'),
  bad('SYNC_FULL_RECONCILE_HOURS', 'daily'),
  bad('SYNC_MAPPING_FILE', '/nonexistent/mapping.json'),
  bad('SYNC_RUN_RETENTION_DAYS', '0'),
  bad('ADMIN_PORT', '70000'),
  bad('ADMIN_TOKEN', 'short'),
  bad('ADMIN_TOKENS', 'ops'),
  bad('ADMIN_BODY_LIMIT', '0'),
  bad('LOG_LEVEL', 'loud'),
  bad('QUEUE_PREFIX', ' '),
  bad('WORKER_CONCURRENCY', '0'),
  bad('WORKER_LOCK_MS', 'long'),
  bad('WORKER_STALLED_INTERVAL_MS', '1.5'),
  bad('SYNC_DOMAIN_CONCURRENCY', '17'),
  bad('SYNC_ATTEMPTS', '0'),
  bad('SYNC_RETRY_DELAY_MS', 'x'),
  bad('HOUSEKEEPING_SCHEDULE', 'hourly'),
  bad('SHUTDOWN_TIMEOUT_MS', '-1'),
];

function start(env: Record<string, string | undefined>): Promise<{ code: number | null; stderr: string; stdout: string; ms: number }> {
  const started = Date.now();
  const merged = Object.fromEntries(Object.entries({ PATH: process.env.PATH, ...VALID, ...env }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('configuration: each required variable missing, each variable malformed', () => {
  it(`exits non-zero at start naming the variable, and shows no secret (${CASES.length} cases)`, async () => {
    const results = await mapLimit(CASES, 4, async (c) => ({ c, ...(await start(c.env)) }));
    for (const { c, code, stderr, stdout } of results) {
      const output = stderr + stdout;
      expect(code, `${c.variable}: ${output}`).toBe(2);
      expect(output, c.variable).toContain(c.variable);
      for (const secret of ['db-secret-pw', 'fpbx-secret-pw', 'esl-secret-pw', 'rest-secret-pw', 'config-test-token-0123456789']) expect(output, c.variable).not.toContain(secret);
    }
  }, 180_000);
});
