import { getNextMillis } from 'bullmq';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../observability/logger.js';
import type { Db } from '../common/postgres.js';
import { IN_PROCESS_TRIGGERS, type RunStore } from '../store/run-store.js';
import type { UserStore } from '../store/user-store.js';
import type { RunPipeline } from '../sync/run-pipeline.js';
import type { UserLifecycle } from '../users/user-lifecycle.js';
import { jobId } from './jobs.js';
import type { SyncQueue } from './sync-queue.js';

export interface HousekeepingDeps {
  db: Db;
  pipeline: RunPipeline;
  queue: SyncQueue;
  runs: RunStore;
  users: UserStore;
  lifecycle: UserLifecycle;
  logger: Logger;
  schedule: { pattern: string; tz: string };
  cadence: string;
  retentionDays: number;
}

/**
 * In-process timers (node-cron) for the work that must happen even when Redis forgot everything:
 * re-register the schedule if it is gone, queue again a run whose job was lost, re-enable users
 * whose timed disable ended (the delayed job's safety net), free scopes held by dead CLI runs,
 * prune old runs. Every task is idempotent, so every worker process may run them.
 */
export class Housekeeping {
  private tasks: ScheduledTask[] = [];

  constructor(private readonly deps: HousekeepingDeps) {}

  start(): void {
    const options = { noOverlap: true, unref: true } as const;
    this.tasks = [
      cron.schedule(this.deps.cadence, () => this.runOnce(), { ...options, name: 'fps-housekeeping' }),
      cron.schedule('17 3 * * *', () => this.prune(), { ...options, name: 'fps-retention' }),
    ];
  }

  async stop(): Promise<void> {
    for (const task of this.tasks) await task.destroy();
    this.tasks = [];
  }

  async runOnce(): Promise<void> {
    for (const [name, task] of [
      ['schedule', () => this.ensureSchedule()],
      ['runs', () => this.reconcileRuns()],
      ['reenable', () => this.reenableDue()],
      ['abandoned', () => this.deps.runs.failAbandoned(this.deps.db)],
    ] as const) {
      try {
        await task();
      } catch (error) {
        this.deps.logger.warn({ task: name, err: error }, 'housekeeping task failed; it runs again next time');
      }
    }
  }

  /**
   * Registers the schedule if Redis has none. At start (`setting`), also if Redis holds another
   * cron or time zone: the process started last brings the current setting (the periodic check
   * leaves that alone, so replicas of two versions never take turns replacing it). And again if
   * its next tick lies further ahead than the cron allows from now: BullMQ places each tick by the
   * clock of the process that queued it, so after the clock went back (or a replica's clock ran
   * ahead) the next tick could be hours away. A clock that jumps forward needs nothing: the due
   * tick runs once and the next is placed from the new time, so missed ticks never run in a burst.
   */
  async ensureSchedule(options: { setting?: boolean } = {}): Promise<void> {
    const setting = this.deps.schedule;
    const current = await this.deps.queue.currentSchedule();
    if (!current || (options.setting && (current.pattern !== setting.pattern || current.tz !== setting.tz))) {
      await this.deps.queue.upsertSchedule(setting.pattern, setting.tz);
      this.deps.logger.info({ ...setting, was: current && { pattern: current.pattern, tz: current.tz } }, current ? 'sync schedule changed: registered with the new setting' : 'sync schedule registered');
      return;
    }
    // The schedule Redis holds is placed again as it is (another replica may have brought it).
    const held = { pattern: current.pattern ?? setting.pattern, tz: current.tz ?? setting.tz };
    if (current.next <= latestNextTick(held)) return;
    await this.deps.queue.upsertSchedule(held.pattern, held.tz);
    this.deps.logger.warn({ ...held, was: new Date(current.next).toISOString() }, 'the next scheduled sync was further ahead than the schedule allows (the clock went back?): placed again from now');
  }

  /** A live run must have its job; if Redis lost it, it is queued again (done domains are not redone). */
  async reconcileRuns(): Promise<void> {
    for (const run of await this.deps.runs.live(this.deps.db)) {
      if (IN_PROCESS_TRIGGERS.includes(run.trigger)) continue;
      const id = run.approvedAt ? jobId.approve(run.id) : jobId.run(run.id);
      const job = await this.deps.queue.getJob(id);
      const state = job ? await job.getState() : 'missing';
      if (state === 'missing') {
        this.deps.logger.warn({ runId: run.id }, 'a live run had no job (Redis lost it?): queued again');
        if (run.approvedAt) await this.deps.queue.enqueueApprove(run.id);
        else await this.deps.queue.enqueueRun(run.id);
      } else if (state === 'failed') {
        await this.deps.pipeline.fail(run.id, new Error(job?.failedReason ?? 'its job failed'));
      }
    }
  }

  async reenableDue(): Promise<void> {
    for (const due of await this.deps.users.dueForReenable(this.deps.db, 200)) {
      if (await this.deps.lifecycle.enableExpired(due.id, due.until)) this.deps.logger.info({ userId: due.id }, 'timed disable ended: user enabled');
    }
  }

  async prune(): Promise<void> {
    const removed = await this.deps.runs.deleteFinishedBefore(this.deps.db, this.deps.retentionDays);
    if (removed > 0) this.deps.logger.info({ removed }, 'old runs pruned');
  }
}

/** The latest the next tick may be from now: the tick after the next one the cron gives. */
function latestNextTick(schedule: { pattern: string; tz: string }): number {
  const soonest = getNextMillis(Date.now(), schedule);
  return (soonest === undefined ? undefined : getNextMillis(soonest, schedule)) ?? Number.POSITIVE_INFINITY;
}
