import { readFileSync } from 'node:fs';
import { CronExpressionParser } from 'cron-parser';
import cron from 'node-cron';
import { z } from 'zod';
import { ConfigError } from '../errors/sync-errors.js';
import { parseAdminTokens, type AdminToken } from './admin-tokens.js';
import { parseMaxDisable, type MaxDisable } from './max-disable.js';
import { envSchema, hostPort, type Env } from './env-schema.js';
import { withSecretFiles } from './secret-files.js';
import { unknownVariables } from './unknown-variables.js';

/** The parts a process needs; each command asks only for what it uses (`migrate` needs no Redis). */
export interface ConfigNeeds {
  source?: boolean;
  queue?: boolean;
  /** Runs the queue's processors, the schedule and housekeeping. */
  worker?: boolean;
  api?: boolean;
  probe?: boolean;
}

export interface RestSettings {
  /** The REST app's endpoint; a bare base URL gets `/app/rest_api/rest.php` appended. */
  url: string;
  /** `key_uuid:secret`. */
  apiKey: string;
  timeoutMs: number;
  concurrency: number;
  pageSize: number;
  retries: number;
  links: 'owner' | 'all';
}

/** Where Redis is: one server by URL, the master a set of sentinels watches, or a cluster. */
export type RedisSettings =
  | { kind: 'url'; url: string }
  | { kind: 'sentinel'; sentinels: Array<{ host: string; port: number }>; name: string; password: string | undefined }
  | { kind: 'cluster'; nodes: Array<{ host: string; port: number }>; password: string | undefined };

/** Each part's settings, there when the process runs that part (or can: the REST client), checked complete. */
export interface PartSettings {
  source: { kind: 'database'; url: string } | { kind: 'rest' } | null;
  rest: RestSettings | null;
  redis: RedisSettings | null;
  probe: { kind: 'esl'; nodes: Array<{ host: string; port: number }>; password: string } | { kind: 'xmlrpc'; url: string } | { kind: 'rest' } | null;
}

export interface Config extends Omit<Env, 'SYNC_MAX_DISABLE' | 'FREESWITCH_ESL' | 'ADMIN_TOKENS'> {
  parts: PartSettings;
  SYNC_MAX_DISABLE: MaxDisable;
  FREESWITCH_ESL: Array<{ host: string; port: number }>;
  /** Every accepted admin token with its label and scopes (ADMIN_TOKEN is `admin`, every scope). */
  adminTokens: AdminToken[];
  /** The admin API's certificate and key, read at start, when it serves HTTPS. */
  adminTls: { cert: Buffer; key: Buffer } | null;
  /** Variables that look like ours but are unknown (a typo?), with the nearest known name: logged at start. */
  unknownVariables: Array<{ name: string; nearest: string }>;
}

/**
 * Validates the environment once. Every problem is reported at once, each naming its variable;
 * nothing is defaulted that would be a secret.
 */
export function loadConfig(env: NodeJS.ProcessEnv, needs: ConfigNeeds = {}): Config {
  const problems: string[] = [];
  const parsed = envSchema.safeParse(withSecretFiles(emptyToUndefined(env), problems));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issueMessage(issue)}`);
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const require = (name: keyof Env, why: string) => {
    if (e[name] === undefined) problems.push(`${name}: required ${why}`);
  };

  let maxDisable: MaxDisable | undefined;
  try {
    maxDisable = parseMaxDisable(e.SYNC_MAX_DISABLE);
  } catch (error) {
    problems.push(`SYNC_MAX_DISABLE: ${(error as Error).message}`);
  }
  if (needs.source) {
    if (e.FUSIONPBX_SOURCE === 'database') require('FUSIONPBX_DATABASE_URL', 'when FUSIONPBX_SOURCE=database');
    else {
      require('FUSIONPBX_API_URL', 'when FUSIONPBX_SOURCE=rest');
      require('FUSIONPBX_API_KEY', 'when FUSIONPBX_SOURCE=rest');
    }
  }
  if (needs.queue || needs.worker) {
    const given = (['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const).filter((name) => e[name] !== undefined);
    if (given.length !== 1) problems.push(`REDIS_URL: ${given.length === 0 ? 'required for the job queue (or REDIS_SENTINELS, or REDIS_CLUSTER_NODES)' : `give one of ${given.join(', ')}, not several`}`);
    if (e.REDIS_CLUSTER_NODES && !/\{[^{}]+\}/.test(e.QUEUE_PREFIX)) problems.push(`QUEUE_PREFIX: on Redis Cluster it must hold a hash tag, such as {fps}, so each queue's keys share one slot`);
    const cronProblem = checkCron(e.SYNC_SCHEDULE, e.SYNC_TIMEZONE);
    if (cronProblem) problems.push(`SYNC_SCHEDULE: ${cronProblem}`);
    // Each schedule is checked by the library that runs it: BullMQ's cron-parser for the sync, node-cron for housekeeping.
    if (!cron.validate(e.HOUSEKEEPING_SCHEDULE)) problems.push(`HOUSEKEEPING_SCHEDULE: "${e.HOUSEKEEPING_SCHEDULE}" is not a cron expression node-cron runs (5 or 6 fields)`);
  }
  const adminTokens = parseAdminTokens(e.ADMIN_TOKEN, e.ADMIN_TOKENS, problems);
  if (needs.api && adminTokens.length === 0) problems.push('ADMIN_TOKEN: required for the admin API (there is no default)');
  if (needs.probe) {
    if (e.ACTIVE_CALLS === 'esl') {
      require('FREESWITCH_ESL', 'when ACTIVE_CALLS=esl');
      require('FREESWITCH_ESL_PASSWORD', 'when ACTIVE_CALLS=esl');
    } else if (e.ACTIVE_CALLS === 'xmlrpc') require('FREESWITCH_XMLRPC_URL', 'when ACTIVE_CALLS=xmlrpc');
    else {
      require('FUSIONPBX_API_URL', 'when ACTIVE_CALLS=rest');
      require('FUSIONPBX_API_KEY', 'when ACTIVE_CALLS=rest');
    }
  }
  const adminTls = readTls(e.ADMIN_TLS_CERT_FILE, e.ADMIN_TLS_KEY_FILE, problems);
  if (problems.length > 0 || !maxDisable) throw new ConfigError(problems);

  const eslNodes = parseHostPorts(e.FREESWITCH_ESL);
  return deepFreeze({
    ...e,
    SYNC_MAX_DISABLE: maxDisable,
    FREESWITCH_ESL: eslNodes,
    adminTokens,
    adminTls,
    unknownVariables: unknownVariables(env),
    parts: partSettings(e, needs, eslNodes),
  });
}

/** The settings of each part the process runs; loadConfig has checked that each is complete. */
function partSettings(e: Env, needs: ConfigNeeds, eslNodes: Array<{ host: string; port: number }>): PartSettings {
  const rest: RestSettings | null =
    e.FUSIONPBX_API_URL && e.FUSIONPBX_API_KEY
      ? {
          url: e.FUSIONPBX_API_URL,
          apiKey: e.FUSIONPBX_API_KEY,
          timeoutMs: e.FUSIONPBX_API_TIMEOUT_MS,
          concurrency: e.FUSIONPBX_API_CONCURRENCY,
          pageSize: e.FUSIONPBX_API_PAGE_SIZE,
          retries: e.FUSIONPBX_API_RETRIES,
          links: e.FUSIONPBX_REST_LINKS,
        }
      : null;
  const source = !needs.source ? null : e.FUSIONPBX_SOURCE === 'rest' ? { kind: 'rest' as const } : e.FUSIONPBX_DATABASE_URL ? { kind: 'database' as const, url: e.FUSIONPBX_DATABASE_URL } : null;
  const probe = !needs.probe
    ? null
    : e.ACTIVE_CALLS === 'esl'
      ? e.FREESWITCH_ESL_PASSWORD ? { kind: 'esl' as const, nodes: eslNodes, password: e.FREESWITCH_ESL_PASSWORD } : null
      : e.ACTIVE_CALLS === 'xmlrpc'
        ? e.FREESWITCH_XMLRPC_URL ? { kind: 'xmlrpc' as const, url: e.FREESWITCH_XMLRPC_URL } : null
        : { kind: 'rest' as const };
  return { source, rest, redis: needs.queue || needs.worker ? redisSettings(e) : null, probe };
}

function redisSettings(e: Env): RedisSettings | null {
  if (e.REDIS_SENTINELS) return { kind: 'sentinel', sentinels: parseHostPorts(e.REDIS_SENTINELS), name: e.REDIS_SENTINEL_NAME, password: e.REDIS_PASSWORD };
  if (e.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: parseHostPorts(e.REDIS_CLUSTER_NODES), password: e.REDIS_PASSWORD };
  return e.REDIS_URL ? { kind: 'url', url: e.REDIS_URL } : null;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value) && !Buffer.isBuffer(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

function readTls(certFile: string | undefined, keyFile: string | undefined, problems: string[]): Config['adminTls'] {
  if (certFile === undefined && keyFile === undefined) return null;
  if (certFile === undefined || keyFile === undefined) {
    problems.push(`${certFile === undefined ? 'ADMIN_TLS_CERT_FILE' : 'ADMIN_TLS_KEY_FILE'}: required with ${certFile === undefined ? 'ADMIN_TLS_KEY_FILE' : 'ADMIN_TLS_CERT_FILE'} (both or neither)`);
    return null;
  }
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      problems.push(`${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return Buffer.alloc(0);
    }
  };
  return { cert: read('ADMIN_TLS_CERT_FILE', certFile), key: read('ADMIN_TLS_KEY_FILE', keyFile) };
}

function checkCron(pattern: string, tz: string): string | undefined {
  const fields = pattern.split(/\s+/).length;
  if (fields < 5 || fields > 6) return `"${pattern}" is not a cron expression (5 or 6 fields expected)`;
  try {
    CronExpressionParser.parse(pattern, { tz, strict: false }).next();
    return undefined;
  } catch (error) {
    return `"${pattern}" is not a valid cron expression (${(error as Error).message})`;
  }
}


function parseHostPorts(value: string | undefined): Array<{ host: string; port: number }> {
  if (!value) return [];
  return value.split(',').map((item) => {
    const match = hostPort.exec(item.trim());
    if (!match) throw new ConfigError([`"${item}" is not host:port`]);
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
  });
}

function emptyToUndefined(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) out[key] = value === '' ? undefined : value;
  return out;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'required';
  return issue.message;
}

/** The configuration with every secret masked, for a start-up log line. */
export function describeConfig(config: Config): Record<string, unknown> {
  const mask = (url: string | undefined) => (url ? url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@') : undefined);
  return {
    source: config.FUSIONPBX_SOURCE,
    activeCalls: config.ACTIVE_CALLS,
    database: mask(config.DATABASE_URL),
    fusionpbxDatabase: mask(config.FUSIONPBX_DATABASE_URL),
    fusionpbxApi: config.FUSIONPBX_API_URL,
    redis: config.parts.redis?.kind === 'url' ? mask(config.REDIS_URL) : config.parts.redis?.kind,
    eslNodes: config.FREESWITCH_ESL.map((n) => `${n.host}:${n.port}`),
    xmlrpc: mask(config.FREESWITCH_XMLRPC_URL),
    schedule: config.SYNC_SCHEDULE,
    pollSeconds: config.SYNC_POLL_SECONDS,
    timezone: config.SYNC_TIMEZONE,
    maxDisable: config.SYNC_MAX_DISABLE,
    mappingFile: config.SYNC_MAPPING_FILE,
    adminPort: config.ADMIN_PORT,
    adminTokens: config.adminTokens.map((t) => `${t.label}[${t.scopes.join('+')}]`),
    metricsToken: config.METRICS_TOKEN ? 'set' : 'unset (open /metrics)',
    https: config.adminTls !== null,
    workerConcurrency: config.WORKER_CONCURRENCY,
  };
}
