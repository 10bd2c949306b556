import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs?: number;
  retryable(error: unknown): boolean;
  /** A delay the error itself asks for (a Retry-After header), in ms. */
  delayHint?(error: unknown): number | undefined;
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
}

/** Exponential backoff with full jitter: attempt n waits a random time up to base * 2^n. */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs = 30_000): number {
  return Math.round(Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
}

export async function withRetries<T>(work: (attempt: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt + 1 >= policy.attempts || !policy.retryable(error)) throw error;
      const hinted = policy.delayHint?.(error);
      const delay = hinted ?? backoffDelay(attempt, policy.baseDelayMs, policy.maxDelayMs);
      policy.onRetry?.(error, attempt + 1, delay);
      await sleep(delay);
    }
  }
}
