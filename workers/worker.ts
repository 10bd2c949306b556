import { MetricsTime, Worker } from 'bullmq';
import type { RedisClient } from '../src/queue/redis.js';
import type { Logger } from '../src/observability/logger.js';
import { QUEUE_NAME } from '../src/queue/jobs.js';
import { createSyncProcessor, type ProcessorDeps } from './sync-processor.js';

export interface WorkerSettings {
  prefix: string;
  concurrency: number;
  lockMs: number;
  stalledIntervalMs: number;
}

/**
 * The worker entry point: BullMQ's Worker running the sync processor. A job whose worker died is
 * picked up again by the stalled-job check after about `lockMs`. BullMQ's own metrics (completed
 * and failed per minute, kept a week) are on, for `queue.getMetrics`.
 */
export function createWorker(connection: RedisClient, settings: WorkerSettings, deps: ProcessorDeps, logger: Logger): Worker {
  const worker = new Worker(QUEUE_NAME, createSyncProcessor(deps), {
    connection,
    prefix: settings.prefix,
    concurrency: settings.concurrency,
    lockDuration: settings.lockMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: 2,
    metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
  });
  worker.on('error', (error) => logger.warn({ err: error }, 'worker error'));
  worker.on('failed', (job, error) => logger.debug({ jobId: job?.id, job: job?.name, err: error }, 'job failed'));
  return worker;
}
