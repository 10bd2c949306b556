import { DelayedError, UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import { z } from 'zod';
import { describeError, isTransient } from '../src/errors/sync-errors.js';
import type { Logger } from '../src/observability/logger.js';
import { parseJob, type JobData, type SyncJob } from '../src/queue/jobs.js';
import type { SyncQueue } from '../src/queue/sync-queue.js';
import { batchesOf, type RunPipeline } from '../src/sync/run-pipeline.js';
import type { SyncService } from '../src/sync/sync-service.js';
import type { UserLifecycle } from '../src/users/user-lifecycle.js';

const RUN_ID = z.uuid();
/** A run is cut into at least this many batches where it has the domains, so several workers share it. */
const SPREAD = 8;

export interface ProcessorDeps {
  pipeline: RunPipeline;
  sync: SyncService;
  lifecycle: UserLifecycle;
  queue: SyncQueue;
  logger: Logger;
}

/**
 * The queue's driver of RunPipeline (the in-process one is RunPipeline.runInProcess): a run's
 * job prepares it and fans its batches out as child jobs, then, when they are done, redoes lost
 * domains once and finishes it. BullMQ owns the retries here: a step that fails in a way a retry
 * may get past is thrown for BullMQ to run again with backoff; anything else, or the last
 * attempt, ends the step for good (`onFinalFailure`). A payload that fails validation fails at
 * once, naming why; BullMQ keeps only our description of an error, never its own text.
 */
export function createSyncProcessor(deps: ProcessorDeps) {
  return async (job: Job, token?: string): Promise<unknown> => {
    const parsed = parseJob(job.name, job.data);
    if ('problem' in parsed) {
      // A run that cannot start ends failed with this reason; a batch's reaches its run at the run's finish step.
      const runId = RUN_ID.safeParse((job.data as { runId?: unknown } | null)?.runId);
      if ((job.name === 'run' || job.name === 'approve') && runId.success) await deps.pipeline.fail(runId.data, parsed.problem);
      throw new UnrecoverableError(parsed.problem);
    }
    const log = deps.logger.child({ jobId: job.id, job: job.name, attempt: job.attemptsMade + 1, ...('runId' in parsed.job.data ? { runId: parsed.job.data.runId } : {}) });
    try {
      return await handle(deps, job, parsed.job, token, log);
    } catch (error) {
      if (error instanceof WaitingChildrenError || error instanceof DelayedError || error instanceof UnrecoverableError) throw error;
      const final = !isTransient(error) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      log.warn({ err: error, final }, final ? 'job failed for good' : 'job failed; it will be retried');
      if (final) await onFinalFailure(deps, parsed.job, error);
      if (!isTransient(error)) throw new UnrecoverableError(describeError(error));
      throw new Error(describeError(error));
    }
  };
}

async function handle(deps: ProcessorDeps, job: Job, parsed: SyncJob, token: string | undefined, log: Logger): Promise<unknown> {
  switch (parsed.name) {
    case 'scheduled': {
      const { run, created } = await deps.sync.requestRun({ trigger: 'schedule', actor: 'schedule' });
      if (created) await deps.queue.enqueueRun(run.id);
      log.info({ runId: run.id, created }, created ? 'scheduled run queued' : 'a whole-platform run is already live: the tick joins it');
      return { runId: run.id, created };
    }
    case 'run':
      return runStep(deps, job, parsed.data, token, log);
    case 'domains':
      await deps.pipeline.runBatch(parsed.data);
      return { runId: parsed.data.runId, domains: parsed.data.domainUuids.length };
    case 'approve':
      return { runId: parsed.data.runId, status: (await deps.sync.applyApproved(parsed.data.runId)).status };
    case 'reenable': {
      const { userId, until } = parsed.data;
      if (Date.parse(until) > Date.now()) {
        await job.moveToDelayed(Date.parse(until), token);
        throw new DelayedError();
      }
      return { userId, enabled: await deps.lifecycle.enableExpired(userId, until) };
    }
  }
}

/** A run's job: `start` prepares and fans out; `finish` (after the children) redoes lost domains once, then ends the run. */
async function runStep(deps: ProcessorDeps, job: Job, data: JobData<'run'>, token: string | undefined, log: Logger): Promise<unknown> {
  const { runId } = data;
  if (data.step === 'start') {
    const domainUuids = await deps.pipeline.prepare(runId);
    if (!domainUuids) return { runId, skipped: 'the run is no longer live' };
    const batches = batchesOf(domainUuids, SPREAD);
    log.info({ domains: domainUuids.length, batches: batches.length }, 'run prepared: fanning out');
    await waitForChildren(deps, job, runId, batches, false, token);
  }
  // A batch that failed for good names its domains' cause; the domains left without any result are lost writes.
  const failed = await deps.queue.failedBatches(job);
  const lost = data.redone ? [] : await deps.pipeline.lostDomains(runId, failed);
  if (lost.length > 0) {
    log.warn({ domains: lost.length }, 'domains without a result (lost writes?): syncing them again');
    await waitForChildren(deps, job, runId, batchesOf(lost, SPREAD), true, token);
  }
  const run = await deps.pipeline.finish(runId, failed);
  return { runId, status: run.status };
}

/** Adds the batches as children, marks the next step, and parks the job until they are done. */
async function waitForChildren(deps: ProcessorDeps, job: Job, runId: string, batches: string[][], redo: boolean, token: string | undefined): Promise<void> {
  await deps.queue.addBatches(job, runId, batches, redo);
  await job.updateData({ runId, step: 'finish', redone: redo } satisfies JobData<'run'>);
  if (await job.moveToWaitingChildren(token!)) throw new WaitingChildrenError();
}

/** What a step that will not be retried leaves behind: its domains or its run say they failed, and why. */
async function onFinalFailure(deps: ProcessorDeps, job: SyncJob, error: unknown): Promise<void> {
  if (job.name === 'domains') await deps.pipeline.failBatch(job.data.runId, job.data.domainUuids, error);
  else if (job.name === 'run' || job.name === 'approve') await deps.pipeline.fail(job.data.runId, error);
}
