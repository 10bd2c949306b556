import { isStatementError } from '../../errors/sync-errors.js';

/** A change of a kept plan found stale under the lock: the whole transaction is rolled back. */
export class StalePlan extends Error {
  override readonly name = 'StalePlan';
}

/** What follows a failed apply of domains under their locks. */
export type Fallback = 'per-domain' | 'replan' | 'rethrow';

/**
 * The apply path's one fallback rule. A group of domains that cannot commit as planned (a plan
 * gone stale, or any statement refused: a key taken, a constraint) is applied one domain at a
 * time, so one domain never holds back its neighbours. A single domain whose kept plan went stale
 * or hit a taken key is read and planned again under its lock. Anything else (a lost connection,
 * a statement refused on a fresh plan) is the driver's to retry or record.
 */
export function fallbackAfter(error: unknown, domains: number, replanned: boolean): Fallback {
  if (replanned) return 'rethrow';
  if (domains > 1) return error instanceof StalePlan || isStatementError(error) ? 'per-domain' : 'rethrow';
  return error instanceof StalePlan || isUniqueViolation(error) ? 'replan' : 'rethrow';
}

export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505';
}
