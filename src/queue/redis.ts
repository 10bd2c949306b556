import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../observability/logger.js';

/**
 * Redis connections the way BullMQ asks for production: a worker's connection retries forever
 * (`maxRetriesPerRequest: null`) and waits out an outage; a producer's (the admin API) fails fast
 * so a request gets a clear 503 instead of hanging.
 */
export function createRedis(url: string, role: 'worker' | 'producer', logger: Logger): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy: (n) => Math.min(200 * n, 5_000) }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3_000, retryStrategy: (n) => Math.min(200 * n, 2_000) };
  const redis = new Redis(url, { ...options, lazyConnect: false });
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) logger.warn({ err: error, role }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info({ role }, 'redis connection is back');
    down = false;
  });
  return redis;
}

/** Deletes every key under a queue prefix (the demo's fresh start, the tests' cleanup); never used on a live queue. */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
