import { DelayedError, UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import { z } from 'zod';
import { describeError, isTransient } from '../src/errors/sync-errors.js';
import type { Logger } from '../src/observability/logger.js';
import { JOB_SCHEMAS, isJobName, type JobData, type JobName } from '../src/queue/jobs.js';
import type { SyncQueue } from '../src/queue/sync-queue.js';
import type { RunStore } from '../src/store/run-store.js';
import type { Db } from '../src/store/db.js';
import type { SyncService } from '../src/sync/sync-service.js';
import type { UserLifecycle } from '../src/users/user-lifecycle.js';

const RUN_ID = z.uuid();

export interface ProcessorDeps {
  db: Db;
  sync: SyncService;
  lifecycle: UserLifecycle;
  queue: SyncQueue;
  runs: RunStore;
  logger: Logger;
}

/**
 * The `sync` queue's processor. Each payload is validated first; an unknown job name or a bad
 * payload fails at once (unrecoverable), it never "succeeds" doing nothing. Transient failures
 * are thrown for BullMQ to retry with backoff; anything else is unrecoverable.
 */
export function createSyncProcessor(deps: ProcessorDeps) {
  return async (job: Job, token?: string): Promise<unknown> => {
    if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job name "${job.name}"`);
    const parsed = JOB_SCHEMAS[job.name].safeParse(job.data);
    if (!parsed.success) {
      const reason = `invalid ${job.name} payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
      // A run that cannot start ends failed with this reason; a batch's reason reaches its run at the run's finish step.
      const runId = RUN_ID.safeParse((job.data as { runId?: unknown } | null)?.runId);
      if ((job.name === 'run' || job.name === 'approve') && runId.success) await deps.sync.fail(runId.data, reason);
      throw new UnrecoverableError(reason);
    }
    const log = deps.logger.child({ jobId: job.id, job: job.name, attempt: job.attemptsMade + 1 });
    try {
      return await handle(deps, job, job.name, parsed.data, token, log);
    } catch (error) {
      if (error instanceof WaitingChildrenError || error instanceof DelayedError || error instanceof UnrecoverableError) throw error;
      const final = !isTransient(error) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      log.warn({ err: error, final }, final ? 'job failed for good' : 'job failed; it will be retried');
      if (final) await onFinalFailure(deps, job.name, parsed.data, error);
      // BullMQ keeps a failed job's message and stack in Redis: ours, never the error's own text.
      if (!isTransient(error)) throw new UnrecoverableError(describeError(error));
      throw new Error(describeError(error));
    }
  };
}

async function handle(deps: ProcessorDeps, job: Job, name: JobName, data: unknown, token: string | undefined, log: Logger): Promise<unknown> {
  switch (name) {
    case 'scheduled': {
      const { run, created } = await deps.sync.requestRun({ trigger: 'schedule', actor: 'schedule' });
      if (created) await deps.queue.enqueueRun(run.id);
      log.info({ runId: run.id, created }, created ? 'scheduled run queued' : 'a whole-platform run is already live: the tick joins it');
      return { runId: run.id, created };
    }
    case 'run': {
      const { runId, step, redone } = data as JobData<'run'>;
      if (step === 'start') {
        const prepared = await deps.sync.prepare(runId);
        if (!prepared) return { runId, skipped: 'the run is no longer live' };
        log.info({ runId, domains: prepared.domainUuids.length, mode: prepared.context.mode }, 'run prepared: fanning out');
        await deps.queue.addDomains(job, runId, prepared.domainUuids);
        await job.updateData({ runId, step: 'finish', redone: false });
        if (await job.moveToWaitingChildren(token!)) throw new WaitingChildrenError();
      }
      // A batch that failed for good names its domains' cause; a batch that completed but whose
      // commit never reached the disk (the store crashed) left its domains without a result: redo those once.
      const failed = await deps.queue.failedBatches(job);
      const lost = redone ? [] : (await deps.sync.missingDomains(runId)).filter((d) => !failed.has(d));
      if (lost.length > 0) {
        log.warn({ runId, domains: lost.length }, 'domains without a result (lost writes?): syncing them again');
        await deps.queue.addDomains(job, runId, lost, true);
        await job.updateData({ runId, step: 'finish', redone: true });
        if (await job.moveToWaitingChildren(token!)) throw new WaitingChildrenError();
      }
      const run = await deps.sync.finish(runId, failed);
      return { runId, status: run.status };
    }
    case 'domains': {
      const { runId, domainUuids } = data as JobData<'domains'>;
      const run = await deps.runs.get(deps.db, runId);
      const context = await deps.runs.context(deps.db, runId);
      if (!run || !context) throw new UnrecoverableError(`run ${runId} has no prepared context`);
      await deps.sync.syncDomainsResilient(run, context, domainUuids);
      return { runId, domains: domainUuids.length };
    }
    case 'approve': {
      const { runId } = data as JobData<'approve'>;
      const run = await deps.sync.applyApproved(runId);
      return { runId, status: run.status };
    }
    case 'reenable': {
      const { userId, until } = data as JobData<'reenable'>;
      if (Date.parse(until) > Date.now()) {
        await job.moveToDelayed(Date.parse(until), token);
        throw new DelayedError();
      }
      return { userId, enabled: await deps.lifecycle.enableExpired(userId, until) };
    }
  }
}

/** What a job that will not be retried leaves behind: the run says it failed, not "running" forever. */
async function onFinalFailure(deps: ProcessorDeps, name: JobName, data: unknown, error: unknown): Promise<void> {
  if (name === 'domains') {
    const { runId, domainUuids } = data as JobData<'domains'>;
    const done = await deps.runs.finishedDomains(deps.db, runId, domainUuids);
    for (const uuid of domainUuids.filter((d) => !done.has(d))) await deps.sync.failDomain(runId, uuid, error);
  } else if (name === 'run' || name === 'approve') {
    await deps.sync.fail((data as JobData<'run'>).runId, error);
  }
}
