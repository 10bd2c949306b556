import { createHash } from 'node:crypto';
import type { RedisClient } from '../queue/redis.js';
import { withinDeadline } from '../common/deadline.js';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../observability/logger.js';

export interface ThrottleSettings {
  /** Failed verifications of one email within the window before it is refused. */
  maxFailures: number;
  /** Failed verifications from one end-user address within the window before it is refused. */
  addressMaxFailures: number;
  windowSeconds: number;
}

/** A failure count and the milliseconds left of its window. */
type Count = { n: number; ttlMs: number };

/** How long a Redis call may take before the throttle counts in this process instead. */
const REDIS_DEADLINE_MS = 500;

/**
 * Brute-force protection for POST /v1/auth/verify, as Keycloak's: failed verifications are
 * counted per email and, when the caller says whose login it is (`clientAddress`), per end-user
 * address; past a limit, verifications of that email (or from that address) are refused until the
 * window that began with its first failure ends, whatever the password. A success clears its
 * email's count. The counts live in Redis, so every replica sees them; keys are SHA-256 digests, so
 * Redis holds no email or address. If Redis does not answer, this process counts on its own.
 */
export class LoginThrottle {
  private readonly local = new Map<string, { n: number; until: number }>();
  private warned = false;

  constructor(
    private readonly redis: RedisClient | null,
    private readonly prefix: string,
    private readonly settings: ThrottleSettings,
    private readonly logger: Logger,
  ) {}

  /** Refuses with 429 TOO_MANY_ATTEMPTS (and the seconds to wait) an email or address over its limit. */
  async check(email: string, address: string | null): Promise<void> {
    const [byEmail, byAddress] = await Promise.all([this.count(this.key('e', email)), address ? this.count(this.key('a', address)) : null]);
    const over = [
      byEmail.n >= this.settings.maxFailures ? byEmail : null,
      byAddress && byAddress.n >= this.settings.addressMaxFailures ? byAddress : null,
    ].filter((c): c is Count => c !== null);
    if (over.length === 0) return;
    const retryAfterSeconds = Math.max(1, Math.ceil(Math.max(...over.map((c) => c.ttlMs)) / 1000));
    throw new AppError('TOO_MANY_ATTEMPTS', `too many failed logins; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }

  async failed(email: string, address: string | null): Promise<void> {
    await Promise.all([this.add(this.key('e', email)), address ? this.add(this.key('a', address)) : null]);
  }

  async succeeded(email: string): Promise<void> {
    const key = this.key('e', email);
    this.local.delete(key);
    await this.remote((r) => r.del(key));
  }

  private key(kind: 'e' | 'a', value: string): string {
    return `${this.prefix}:login:${kind}:${createHash('sha256').update(value).digest('hex')}`;
  }

  private async count(key: string): Promise<Count> {
    const remote = await this.remote(async (r) => {
      const [[, n], [, ttl]] = (await r.multi().get(key).pttl(key).exec()) as [[unknown, string | null], [unknown, number]];
      return { n: Number(n ?? 0), ttlMs: Math.max(0, ttl) };
    });
    if (remote) return remote;
    const local = this.local.get(key);
    return local && local.until > Date.now() ? { n: local.n, ttlMs: local.until - Date.now() } : { n: 0, ttlMs: 0 };
  }

  /** One more failure; the window starts with the first (SET NX PX, then INCR keeps its expiry). */
  private async add(key: string): Promise<void> {
    const windowMs = this.settings.windowSeconds * 1000;
    const done = await this.remote((r) => r.multi().set(key, '0', 'PX', windowMs, 'NX').incr(key).exec());
    if (done) return;
    const now = Date.now();
    if (this.local.size > 10_000) for (const [k, v] of this.local) if (v.until <= now) this.local.delete(k);
    const local = this.local.get(key);
    if (local && local.until > now) local.n++;
    else this.local.set(key, { n: 1, until: now + windowMs });
  }

  /** A Redis call within its deadline; null (and one warning) when Redis cannot answer. */
  private async remote<T>(call: (redis: RedisClient) => Promise<T>): Promise<T | null> {
    if (!this.redis) return null;
    try {
      const result = await withinDeadline(call(this.redis), REDIS_DEADLINE_MS, 'Redis');
      this.warned = false;
      return result;
    } catch (error) {
      if (!this.warned) this.logger.warn({ err: error }, 'login throttle: Redis does not answer; counting failed logins in this process only');
      this.warned = true;
      return null;
    }
  }
}
