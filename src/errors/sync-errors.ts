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

/** Some domains of a batch failed with errors a retry may get past; the others are done. */
export class RetryableDomains extends Error {
  override readonly name = 'RetryableDomains';

  constructor(readonly failures: Map<string, unknown>) {
    super([...failures].map(([uuid, error]) => `${uuid}: ${describeError(error)}`).join('; '));
  }
}

/** Postgres error codes that a retry can get past: connection loss, deadlock, serialization, a unique race. */
const TRANSIENT_PG_CODES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '23505']);
const TRANSIENT_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** Whether a failed sync step may be retried. Unknown errors are not retried: they are bugs or bad data. */
export function isTransient(error: unknown): boolean {
  if (error instanceof SourceError) return error.transient;
  if (error instanceof RetryableDomains) return true;
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

/** Names of the SQLSTATEs whose PostgreSQL messages quote the value at fault (classes 22 and 23). */
const VALUE_CONDITIONS: Record<string, string> = {
  '22001': 'a value too long for its column',
  '22003': 'a number out of range',
  '22007': 'an invalid date or time',
  '22008': 'a date or time out of range',
  '22021': 'a character the encoding cannot hold',
  '22P02': 'a value of the wrong type',
  '23502': 'a missing value where one is required',
  '23503': 'a reference to a row that does not exist',
  '23505': 'a value that must be unique is taken',
  '23514': 'a row that breaks a check',
};

/** A PostgreSQL error as pg raises it: a SQLSTATE code and the names (never values) of what it concerns. */
interface DatabaseError extends Error {
  code: string;
  constraint?: string;
  table?: string;
  column?: string;
}

export function isDatabaseError(error: unknown): error is DatabaseError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && 'routine' in error;
}

/**
 * A one-line description of an error, for a run's record, a log line and BullMQ's failed reason.
 * A database error is told by its code, its condition and the names of the table, column and
 * constraint, never by its message or detail when PostgreSQL quotes a value in them (classes 22
 * and 23: "Key (email)=(...)", "Failing row contains (...)", an invalid input): those values are
 * users' emails, names and password hashes. Other database messages lose the SQL knex puts first.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (!isDatabaseError(error)) return error.message;
  const where = [error.table && `table ${error.table}`, error.column && `column ${error.column}`, error.constraint && `constraint ${error.constraint}`].filter(Boolean).join(', ');
  if (/^2[23]/.test(error.code)) return `database error ${error.code}: ${VALUE_CONDITIONS[error.code] ?? 'a data or integrity error'}${where ? ` (${where})` : ''}`;
  const message = error.message.includes(' - ') ? error.message.slice(error.message.lastIndexOf(' - ') + 3) : error.message;
  return `database error ${error.code}: ${message}${where ? ` (${where})` : ''}`;
}
