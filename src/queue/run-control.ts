import type { Actor } from '../common/vocabulary.js';
import type { Logger } from '../observability/logger.js';
import type { Run } from '../store/run-store.js';
import type { RunRequest, SyncService } from '../sync/sync-service.js';
import type { SyncQueue } from './sync-queue.js';

/**
 * What an admin does to runs, through the queue: start one (or join the live one of its scope),
 * approve a quarantined one (applied in the background), discard one. If Redis is down when a run
 * or an approval is queued, it stays recorded in Postgres and the workers' housekeeping queues it.
 */
export class RunControl {
  constructor(
    private readonly sync: SyncService,
    private readonly queue: SyncQueue,
    private readonly logger: Logger,
  ) {}

  async start(request: RunRequest): Promise<{ run: Run; created: boolean }> {
    const requested = await this.sync.requestRun(request);
    if (requested.created) await this.queue.enqueueRun(requested.run.id).catch((error: unknown) => this.notQueued(requested.run.id, error));
    return requested;
  }

  async approve(runId: string, actor: Actor): Promise<Run> {
    const run = await this.sync.approve(runId, actor);
    await this.queue.enqueueApprove(run.id).catch((error: unknown) => this.notQueued(run.id, error));
    return run;
  }

  discard(runId: string, actor: Actor): Promise<Run> {
    return this.sync.discard(runId, actor);
  }

  private notQueued(runId: string, error: unknown): void {
    this.logger.warn({ runId, err: error }, 'not queued yet (Redis?): housekeeping will queue it');
  }
}
