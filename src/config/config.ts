import { readFileSync } from 'node:fs';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { ConfigError } from '../errors/sync-errors.js';
import { parseAdminTokens, type AdminToken } from './admin-tokens.js';
import { parseMaxDisable, type MaxDisable } from './max-disable.js';
import { SECRET_VARIABLES, withSecretFiles } from './secret-files.js';

/** The parts a process needs; each command asks only for what it uses (`migrate` needs no Redis). */
export interface ConfigNeeds {
  source?: boolean;
  queue?: boolean;
  /** Runs the queue's processors, the schedule and housekeeping. */
  worker?: boolean;
  api?: boolean;
  probe?: boolean;
}

const postgresUrl = z
  .string()
  .trim()
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), 'must be a postgres:// URL');
const redisUrl = z
  .string()
  .trim()
  .refine((v) => /^rediss?:\/\/.+/.test(v), 'must be a redis:// or rediss:// URL');
const httpUrl = z
  .string()
  .trim()
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http:// or https:// URL');
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

const envSchema = z.object({
  /** The users store (our own PostgreSQL). */
  DATABASE_URL: postgresUrl,
  /** Redis for the BullMQ queue and the schedule. */
  REDIS_URL: redisUrl.optional(),
  /** Where FusionPBX data is read from: its PostgreSQL (`database`, complete) or the REST app (`rest`, partial). */
  FUSIONPBX_SOURCE: z.enum(['database', 'rest']).default('database'),
  /** Read-only connection to FusionPBX's own database (source `database`). */
  FUSIONPBX_DATABASE_URL: postgresUrl.optional(),
  /** The REST app's endpoint, e.g. https://pbx.example.com/app/rest_api/rest.php (a bare base URL gets that path). */
  FUSIONPBX_API_URL: httpUrl.optional(),
  /** `key_uuid:secret` of a REST API key (HTTP Basic). */
  FUSIONPBX_API_KEY: z
    .string()
    .regex(/^[^:\s]+:\S+$/, 'must be key_uuid:secret')
    .optional(),
  /** Request timeout, concurrency and page size for the REST source. */
  FUSIONPBX_API_TIMEOUT_MS: positiveInt(10_000),
  FUSIONPBX_API_CONCURRENCY: positiveInt(4),
  /** Rows per page of the REST app's lists; the app takes 1..200 (`per_page`). */
  FUSIONPBX_API_PAGE_SIZE: z.coerce.number().int().min(1).max(200).default(200),
  FUSIONPBX_API_RETRIES: z.coerce.number().int().min(0).max(10).default(4),
  /**
   * Extension links from the REST source: `owner` reads the owner extension-list names (its lowest
   * linked user) and asks the users' own lists only where that owner is gone; `all` asks every user's
   * extension-user-list, one call per user, to report shared extensions as conflicts.
   */
  FUSIONPBX_REST_LINKS: z.enum(['owner', 'all']).default('owner'),
  /** How active calls are found before a delete or unassign: FreeSWITCH event socket, mod_xml_rpc, or the REST app. */
  ACTIVE_CALLS: z.enum(['esl', 'xmlrpc', 'rest']).default('esl'),
  /** Comma-separated host:port list, one per FreeSWITCH node. */
  FREESWITCH_ESL: z
    .string()
    .trim()
    .refine((v) => v.split(',').every((p) => hostPort.test(p.trim())), 'must be a comma-separated host:port list')
    .optional(),
  FREESWITCH_ESL_PASSWORD: z.string().min(1).optional(),
  FREESWITCH_XMLRPC_URL: httpUrl.optional(),
  /** Time limit for one active-call probe call, per node. */
  PROBE_TIMEOUT_MS: positiveInt(2_000),
  /** When the scheduled full sync runs (cron, 5 or 6 fields) and in which time zone. */
  SYNC_SCHEDULE: z
    .string()
    .trim()
    .default('*/15 * * * *'),
  SYNC_TIMEZONE: z
    .string()
    .trim()
    .default('UTC')
    .refine(isTimeZone, 'must be an IANA time zone such as UTC or Europe/Berlin'),
  /** A run that would disable more users than this (a count like `50`, or `25%` of the synced users in scope) is quarantined. */
  SYNC_MAX_DISABLE: z.string().trim().default('25%'),
  /** Percentage limits never go below this many users, so a 3-user tenant can still lose one. */
  SYNC_MAX_DISABLE_FLOOR: z.coerce.number().int().min(0).default(5),
  /** Unchanged domains (same fingerprint) are skipped, but each is planned in full at least this often. */
  SYNC_FULL_RECONCILE_HOURS: z.coerce.number().min(0).default(24),
  /** Optional JSON mapping file (tenants merging several domains, excluded domains, role map). */
  SYNC_MAPPING_FILE: z.string().trim().min(1).optional(),
  /** Days to keep finished sync runs and their change log. */
  SYNC_RUN_RETENTION_DAYS: positiveInt(90),
  /** Admin HTTP API. */
  ADMIN_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Loopback by default; the container image sets 0.0.0.0. */
  ADMIN_HOST: z.string().trim().default('127.0.0.1'),
  /** Serve the admin API over HTTPS: a PEM certificate (chain) and its key, both or neither. */
  ADMIN_TLS_CERT_FILE: z.string().trim().min(1).optional(),
  ADMIN_TLS_KEY_FILE: z.string().trim().min(1).optional(),
  /** Bearer token with every scope. No default. */
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** More tokens, `label:token` (every scope) or `label[read+verify]:token`; the label is recorded as the actor. */
  ADMIN_TOKENS: z.string().optional(),
  /** When set, /metrics needs `Authorization: Bearer <METRICS_TOKEN>` (and the token opens nothing else). */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Failed verifications of one email within the window before POST /v1/auth/verify answers 429 for it. */
  LOGIN_MAX_FAILURES: positiveInt(10),
  LOGIN_FAILURE_WINDOW_SECONDS: positiveInt(900),
  /** Failed verifications from one end-user address (`clientAddress`) within the window before it is refused. */
  LOGIN_ADDRESS_MAX_FAILURES: positiveInt(100),
  ADMIN_BODY_LIMIT: positiveInt(64 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Queue key prefix; use a hash tag such as `{fps}` on Redis Cluster. */
  QUEUE_PREFIX: z.string().trim().min(1).default('fps'),
  WORKER_CONCURRENCY: positiveInt(2),
  /** Lock and stalled-job check of the worker: a job whose worker died is picked up again after about this long. */
  WORKER_LOCK_MS: positiveInt(30_000),
  WORKER_STALLED_INTERVAL_MS: positiveInt(30_000),
  /** A batch's domains with changes are applied in this many groups at once, each group in one transaction. */
  SYNC_DOMAIN_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),
  /** Attempts for a failing sync job, with exponential backoff from SYNC_RETRY_DELAY_MS. */
  SYNC_ATTEMPTS: positiveInt(5),
  SYNC_RETRY_DELAY_MS: positiveInt(2_000),
  /** How often each worker process does its housekeeping (cron): re-register a lost schedule, requeue lost runs, end timed disables. */
  HOUSEKEEPING_SCHEDULE: z.string().trim().default('* * * * *'),
  /** Hard deadline for a graceful shutdown after SIGTERM. */
  SHUTDOWN_TIMEOUT_MS: positiveInt(25_000),
});

type Env = z.infer<typeof envSchema>;

/** Every environment variable the daemon reads (README and .env.example document each one), besides the `<NAME>_FILE` forms of the secrets. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);
export { SECRET_VARIABLES };

export interface Config extends Omit<Env, 'SYNC_MAX_DISABLE' | 'FREESWITCH_ESL' | 'ADMIN_TOKENS'> {
  SYNC_MAX_DISABLE: MaxDisable;
  FREESWITCH_ESL: Array<{ host: string; port: number }>;
  /** Every accepted admin token with its label and scopes (ADMIN_TOKEN is `admin`, every scope). */
  adminTokens: AdminToken[];
  /** The admin API's certificate and key, read at start, when it serves HTTPS. */
  adminTls: { cert: Buffer; key: Buffer } | null;
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
    require('REDIS_URL', 'for the job queue');
    const cronProblem = checkCron(e.SYNC_SCHEDULE, e.SYNC_TIMEZONE);
    if (cronProblem) problems.push(`SYNC_SCHEDULE: ${cronProblem}`);
    const housekeepingProblem = checkCron(e.HOUSEKEEPING_SCHEDULE, 'UTC');
    if (housekeepingProblem) problems.push(`HOUSEKEEPING_SCHEDULE: ${housekeepingProblem}`);
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

  return {
    ...e,
    SYNC_MAX_DISABLE: maxDisable,
    FREESWITCH_ESL: parseHostPorts(e.FREESWITCH_ESL),
    adminTokens,
    adminTls,
  };
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

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function parseHostPorts(value: string | undefined): Array<{ host: string; port: number }> {
  if (!value) return [];
  return value.split(',').map((item) => {
    const match = hostPort.exec(item.trim());
    if (!match) throw new ConfigError([`FREESWITCH_ESL: "${item}" is not host:port`]);
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
    redis: mask(config.REDIS_URL),
    eslNodes: config.FREESWITCH_ESL.map((n) => `${n.host}:${n.port}`),
    xmlrpc: mask(config.FREESWITCH_XMLRPC_URL),
    schedule: config.SYNC_SCHEDULE,
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
