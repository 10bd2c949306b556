/**
 * Errors raised while syncing. The retry policy follows the type: a `transient` error is retried
 * with backoff (by BullMQ, or by the in-process runner); anything else fails at once.
 */
export type SourceErrorKind =
  | 'auth' // 401/403: a credential or permission is wrong; retrying cannot help
  | 'unavailable' // timeouts, refused connections, 5xx, 429
  | 'bad_response' // a page that is not what the dialect promises (HTML, wrong envelope)
  | 'rejected'; // another 4xx

export class SourceError extends Error {
  override readonly name = 'SourceError';

  constructor(
    readonly kind: SourceErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }

  get transient(): boolean {
    return this.kind === 'unavailable' || this.kind === 'bad_response';
  }
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Postgres error codes that a retry can get past: connection loss, deadlock, serialization, a unique race. */
const TRANSIENT_PG_CODES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '23505']);
const TRANSIENT_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** Whether a failed sync step may be retried. Unknown errors are not retried: they are bugs or bad data. */
export function isTransient(error: unknown): boolean {
  if (error instanceof SourceError) return error.transient;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (TRANSIENT_PG_CODES.has(code) || TRANSIENT_NET_CODES.has(code))) return true;
  return /Connection terminated|connection timeout|Timeout acquiring a connection|read ECONNRESET|Client has encountered a connection error/i.test(
    error.message,
  );
}

/** An error Postgres raised for a statement (not a lost connection, a server going away or out of resources). */
export function isStatementError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|53|57|58)/.test(code);
}

/**
 * A one-line description of an error for a run's record: knex puts the whole SQL text in front
 * of a database error's message, which helps nobody reading a run.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const isDatabase = typeof code === 'string' && 'routine' in error;
  const message = isDatabase && error.message.includes(' - ') ? error.message.slice(error.message.lastIndexOf(' - ') + 3) : error.message;
  return isDatabase ? `database error ${code}: ${message}` : message;
}
