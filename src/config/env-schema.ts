import { z } from 'zod';

/** Every environment variable, validated by one zod schema; each documented beside its type. */

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
export const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
const hostPortList = z
  .string()
  .trim()
  .refine((v) => v.split(',').every((p) => hostPort.test(p.trim())), 'must be a comma-separated host:port list');

export const envSchema = z.object({
  /** The users store (our own PostgreSQL). */
  DATABASE_URL: postgresUrl,
  /** Redis for the BullMQ queue and the schedule: one server (or a proxy) by URL... */
  REDIS_URL: redisUrl.optional(),
  /** ...or Redis Sentinel: the sentinels (comma-separated host:port) and the name of the master they watch... */
  REDIS_SENTINELS: hostPortList.optional(),
  REDIS_SENTINEL_NAME: z.string().trim().min(1).default('mymaster'),
  /** ...or Redis Cluster: some of its nodes (comma-separated host:port); QUEUE_PREFIX must then hold a hash tag, such as `{fps}`. */
  REDIS_CLUSTER_NODES: hostPortList.optional(),
  /** The password of the Sentinel-watched master or of the Cluster's nodes (with REDIS_URL it goes in the URL). */
  REDIS_PASSWORD: z.string().min(1).optional(),
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
  FREESWITCH_ESL: hostPortList.optional(),
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
  /**
   * Change polling: every this many seconds a worker asks FusionPBX which domains changed and syncs
   * only those (0 turns it off). Only the `database` source can be polled.
   */
  SYNC_POLL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(30),
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

export type Env = z.infer<typeof envSchema>;

/** Every environment variable the daemon reads (docs/operations.md and .env.example document each one), besides the `<NAME>_FILE` forms of the secrets. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
