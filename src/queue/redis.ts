import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisSettings } from '../config/config.js';
import type { Logger } from '../observability/logger.js';

/** A connection to one server, to the master Sentinel names, or to a cluster: BullMQ and every caller take any of them. */
export type RedisClient = Redis | Cluster;

/**
 * Redis connections the way BullMQ asks for production: a worker's connection retries forever
 * (`maxRetriesPerRequest: null`) and waits out an outage (or a Sentinel failover, after which it
 * asks the sentinels for the new master); a producer's (the admin API) fails fast so a request gets
 * a clear 503 instead of hanging. On a cluster, the same options apply to each node's connection.
 */
export function createRedis(settings: RedisSettings, role: 'worker' | 'producer', logger: Logger): RedisClient {
  const retry = (n: number) => Math.min(200 * n, role === 'worker' ? 5_000 : 2_000);
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy: retry }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3_000, retryStrategy: retry };
  const redis: RedisClient =
    settings.kind === 'url'
      ? new Redis(settings.url, { ...options, lazyConnect: false })
      : settings.kind === 'sentinel'
        ? new Redis({ ...options, sentinels: settings.sentinels, name: settings.name, password: settings.password, sentinelRetryStrategy: retry })
        : new Cluster(settings.nodes, {
            redisOptions: { maxRetriesPerRequest: options.maxRetriesPerRequest, connectTimeout: options.connectTimeout, password: settings.password },
            clusterRetryStrategy: retry,
            enableOfflineQueue: role === 'worker',
            enableReadyCheck: true,
          });
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
