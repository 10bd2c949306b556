import { z } from 'zod';
import { AppError } from '../../errors/app-error.js';
import { runDetail, runSummary } from '../../sync/run-view.js';
import { decodeCursor, isTimePart, isUuidPart, paged } from '../cursor.js';
import { listQuery, page, runDetailQuery, runDetailSchema, runSchema, triggerBody, uuidParam } from '../schemas.js';
import type { Api, ApiDeps } from '../server.js';

const idParams = z.object({ id: uuidParam }).strict();

/** Trigger a sync (all or one domain, dry run), list runs, read one, approve or discard a quarantined one. */
export function syncRoutes(app: Api, deps: ApiDeps): void {
  const sync = () => {
    if (!deps.sync || !deps.queue) throw new AppError('NOT_READY', 'this process cannot start syncs (no source or queue configured)');
    return { sync: deps.sync, queue: deps.queue };
  };

  app.post(
    '/v1/sync',
    {
      schema: {
        tags: ['sync'],
        summary: 'Start a sync of every domain or one (joins a live run of the same scope)',
        body: triggerBody.nullish(),
        response: { 202: z.object({ runId: z.uuid(), created: z.boolean(), status: runSchema.shape.status }) },
      },
    },
    async (request, reply) => {
      const { sync: service, queue } = sync();
      const { run, created } = await service.requestRun({ trigger: 'api', domain: request.body?.domain, dryRun: request.body?.dryRun, actor: request.actor.name });
      if (created) {
        // If Redis is down the run stays queued; the workers' housekeeping queues it when Redis is back.
        await queue.enqueueRun(run.id).catch((error: unknown) => request.log.warn({ runId: run.id, err: { message: (error as Error).message } }, 'run not queued yet'));
      }
      return reply.status(202).send({ runId: run.id, created, status: run.status });
    },
  );

  app.get('/v1/sync/runs', { schema: { tags: ['sync'], summary: 'Runs, newest first', querystring: listQuery, response: { 200: page(runSchema) } } }, async (request) => {
    const after = decodeCursor(request.query.cursor, 2, ([t, id]) => isTimePart(t!) && isUuidPart(id!));
    const rows = await deps.stores.runs.list(deps.db, request.query.limit + 1, after ? { queuedAt: after[0]!, id: after[1]! } : null);
    const page = paged(rows, request.query.limit, (last) => [last.queuedAt, last.id]);
    return { items: page.items.map(runSummary), nextCursor: page.nextCursor };
  });

  app.get(
    '/v1/sync/runs/:id',
    { schema: { tags: ['sync'], summary: 'One run: counts, domains, and a page of its changes and problems', params: idParams, querystring: runDetailQuery, response: { 200: runDetailSchema } } },
    async (request) => {
      const run = await deps.stores.runs.get(deps.db, request.params.id);
      if (!run || run.parentId) throw new AppError('NOT_FOUND', `run ${request.params.id} does not exist`);
      return runDetail(deps.db, deps.stores.runs, deps.stores.changes, run, {
        limit: request.query.limit,
        changesAfter: request.query.changesCursor ? Number(request.query.changesCursor) : undefined,
        problemsAfter: request.query.problemsCursor ? Number(request.query.problemsCursor) : undefined,
      });
    },
  );

  app.post(
    '/v1/sync/runs/:id/approve',
    { schema: { tags: ['sync'], summary: 'Apply a quarantined run (in the background)', params: idParams, response: { 202: runSchema } } },
    async (request, reply) => {
      const { sync: service, queue } = sync();
      const run = await service.approve(request.params.id, request.actor);
      await queue.enqueueApprove(run.id).catch((error: unknown) => request.log.warn({ runId: run.id, err: { message: (error as Error).message } }, 'approval not queued yet'));
      return reply.status(202).send(runSummary(run));
    },
  );

  app.post(
    '/v1/sync/runs/:id/discard',
    { schema: { tags: ['sync'], summary: 'Discard a quarantined run: nothing is applied', params: idParams, response: { 200: runSchema } } },
    async (request) => runSummary(await sync().sync.discard(request.params.id, request.actor)),
  );
}
