import pino, { type DestinationStream, type Logger } from 'pino';
import { describeError, isDatabaseError } from '../errors/sync-errors.js';

export type { Logger } from 'pino';

/**
 * Secrets are removed by configuration, not by care: the value of any of these keys (and of
 * `auth`, `cookie`), in any case and up to five levels deep, is censored before a line is written.
 */
const SECRET_KEYS = [
  'password',
  'passwordHash',
  'password_hash',
  'token',
  'adminToken',
  'authorization',
  'apiKey',
  'api_key',
  'secret',
  'FUSIONPBX_API_KEY',
  'FREESWITCH_ESL_PASSWORD',
  'ADMIN_TOKEN',
  'ADMIN_TOKENS',
  'DATABASE_URL',
  'FUSIONPBX_DATABASE_URL',
  'REDIS_URL',
  'FREESWITCH_XMLRPC_URL',
];

const SECRET = new Set([...SECRET_KEYS, 'auth', 'cookie'].map((k) => k.toLowerCase()));
const CENSORED = '[redacted]';
/** How deep into a logged object secrets are looked for (axios' error.config.headers.Authorization is 3). */
const MAX_DEPTH = 5;

/**
 * A logged value with the value of every secret key (any case) replaced, at any depth up to
 * MAX_DEPTH; an Error is serialized first so its own fields are looked at too. What holds no
 * secret is returned as it is, not copied. (pino's path-based redaction cost about 57 µs a line
 * with wildcard paths: a sixth of the admin API's CPU went to the request log.)
 */
export function censor(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return censor(serializeError(value), depth);
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || value instanceof Date) return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => censor(item, depth + 1));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  let copy: Record<string, unknown> | null = null;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const next = SECRET.has(key.toLowerCase()) ? CENSORED : censor(item, depth + 1);
    if (next !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = next;
  }
  return copy ?? value;
}

/**
 * An error as a log line holds it. A database error keeps its code and the names of what it
 * concerns, and its stack frames under our own description: its message and detail may quote the
 * values of a row (emails, names, a password hash), and so does the first line of its stack.
 */
function serializeError(error: Error): unknown {
  if (!isDatabaseError(error)) return pino.stdSerializers.err(error);
  const description = describeError(error);
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return { type: error.constructor.name, code: error.code, message: description, table: error.table, column: error.column, constraint: error.constraint, stack: [description, ...frames].join('\n') };
}

const censorObject = (o: Record<string, unknown>) => censor(o) as Record<string, unknown>;

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const logger = pino(
    {
      level,
      base: { service: 'fusionpbx-sync' },
      // Every line is censored (and its errors serialized) here; a child's bindings below.
      formatters: { log: censorObject },
      // Errors leave `censor` serialized already: pino's own err serializer would take them for errors again.
      serializers: { err: (err: unknown) => err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
  // Children inherit this method (pino makes a child with its parent as prototype).
  const child = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, censorObject(bindings), options);
  } as typeof logger.child;
  return logger;
}
