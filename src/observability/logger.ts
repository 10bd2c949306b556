import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Secrets are removed by configuration, not by care: any of these keys, at any of these depths,
 * is censored before a line is written.
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

const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'config.headers',
  'config.auth',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'fusionpbx-sync' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: pino.stdSerializers.err },
    },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
