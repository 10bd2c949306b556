import { Queue, type Job, type JobsOptions } from 'bullmq';
import type { RedisClient } from './redis.js';
import { isFusionpbxId } from '../common/fusionpbx-id.js';
import type { Logger } from '../observability/logger.js';
import type { ReenableScheduler } from '../users/user-writes.js';
import { QUEUE_NAME, SCHEDULER_ID, jobId, type JobData, type JobName } from './jobs.js';

export interface QueueSettings {
  prefix: string;
  attempts: number;
  retryDelayMs: number;
}

export type JobCounts = Record<'waiting' | 'active' | 'delayed' | 'failed' | 'completed' | 'waiting-children' | 'prioritized', number>;

/**
 * The `sync` queue as the rest of the daemon uses it: add runs and approvals, fan a run out into
 * domains, keep the schedule and the timed re-enables. Completed and failed jobs are trimmed by
 * count and age, so Redis does not grow with every tick.
 */
export class SyncQueue implements ReenableScheduler {
  readonly queue: Queue;
  private readonly defaults: JobsOptions;

  constructor(
    private readonly connection: RedisClient,
    settings: QueueSettings,
    private readonly logger: Logger,
  ) {
    this.queue = new Queue(QUEUE_NAME, { connection, prefix: settings.prefix });
    this.queue.on('error', (error) => logger.warn({ err: error }, 'queue error'));
    this.defaults = {
      attempts: settings.attempts,
      backoff: { type: 'exponential', delay: settings.retryDelayMs },
      removeOnComplete: { count: 1000, age: 7 * 24 * 3600 },
      removeOnFail: { count: 5000, age: 30 * 24 * 3600 },
    };
  }

  private add<N extends JobName>(name: N, data: JobData<N>, options: JobsOptions): Promise<Job> {
    return this.queue.add(name, data, { ...this.defaults, ...options });
  }

  enqueueRun(runId: string): Promise<Job> {
    return this.add('run', { runId, step: 'start', redone: false }, { jobId: jobId.run(runId) });
  }

  enqueueApprove(runId: string): Promise<Job> {
    return this.add('approve', { runId }, { jobId: jobId.approve(runId) });
  }

  /**
   * A run's batches (RunPipeline's, as in-process) as children of its job, each a `domains` job.
   * A batch failing for good does not block the run.
   */
  async addBatches(parent: Job, runId: string, batches: string[][], redo = false): Promise<void> {
    await this.queue.addBulk(
      batches.map((batch) => ({
        name: 'domains',
        data: { runId, domainUuids: batch } satisfies JobData<'domains'>,
        opts: {
          ...this.defaults,
          jobId: jobId.domains(runId, batch, redo),
          parent: { id: parent.id!, queue: parent.queueQualifiedName },
          ignoreDependencyOnFailure: true,
        },
      })),
    );
  }

  /**
   * The domains of a run's batches that failed for good, each with its batch's reason: BullMQ keeps
   * the failures of children added with `ignoreDependencyOnFailure` on the parent.
   */
  async failedBatches(parent: Job): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const [key, reason] of Object.entries(await parent.getIgnoredChildrenFailures())) {
      // A child's key is `<prefix>:<queue>:<job id>`; our job ids hold no colon.
      const child = await this.queue.getJob(key.slice(key.lastIndexOf(':') + 1));
      const domains: unknown = child?.data?.domainUuids;
      for (const uuid of Array.isArray(domains) ? domains : []) if (isFusionpbxId(uuid)) out.set(uuid.toLowerCase(), `its batch job failed: ${reason}`);
    }
    return out;
  }

  /** The schedule of record: one job scheduler with a stable id, so replicas cannot double it. */
  async upsertSchedule(pattern: string, tz: string): Promise<void> {
    await this.queue.upsertJobScheduler(SCHEDULER_ID, { pattern, tz }, { name: 'scheduled', data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  }

  /** The schedule Redis holds (its cron, time zone and next tick, epoch ms), or null if none. */
  async currentSchedule(): Promise<{ pattern: string | null; tz: string | null; next: number } | null> {
    const scheduler = await this.queue.getJobScheduler(SCHEDULER_ID);
    return scheduler ? { pattern: scheduler.pattern ?? null, tz: scheduler.tz ?? null, next: scheduler.next ?? 0 } : null;
  }

  /** Re-enables the user at `until` (replacing any earlier job). A Redis failure is logged: the sweep still re-enables. */
  async schedule(userId: string, until: string): Promise<void> {
    try {
      await this.cancel(userId);
      const delay = Math.max(0, Date.parse(until) - Date.now());
      await this.add('reenable', { userId, until }, { jobId: jobId.reenable(userId), delay, attempts: 10 });
    } catch (error) {
      this.logger.warn({ userId, err: error }, 'could not schedule the re-enable job; the periodic sweep will re-enable the user');
    }
  }

  async cancel(userId: string): Promise<void> {
    try {
      const job = await this.queue.getJob(jobId.reenable(userId));
      if (job && !(await job.isActive())) await job.remove();
    } catch (error) {
      this.logger.warn({ userId, err: error }, 'could not cancel the re-enable job; it will find the user enabled and do nothing');
    }
  }

  getJob(id: string): Promise<Job | undefined> {
    return this.queue.getJob(id);
  }

  async counts(): Promise<JobCounts> {
    return (await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'waiting-children', 'prioritized')) as JobCounts;
  }

  /** Workers connected to the queue, in every process. */
  workers(): Promise<number> {
    return this.queue.getWorkersCount();
  }

  /** Redis answers (for /readyz). */
  async ping(): Promise<void> {
    await this.connection.ping();
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
