import { z } from 'zod';
import { AppError } from '../../errors/app-error.js';
import { runSummary } from '../../sync/run-view.js';
import type { Api, ApiDeps } from '../api-types.js';
import { decodeCursor, isTimePart, isUuidPart, paged } from '../cursor.js';
import { page, runDetailQuery, runDetailSchema, runListQuery, runSchema, triggerBody, uuidParam } from '../schemas.js';

const idParams = z.object({ id: uuidParam }).strict();
const tags = ['sync'];

/** Trigger a sync (all or one domain, dry run), list runs, read one, approve or discard a quarantined one. */
export function syncRoutes(app: Api, deps: ApiDeps): void {
  runReadRoutes(app, deps);
  runControlRoutes(app, deps);
}

function runReadRoutes(app: Api, { runs }: ApiDeps): void {
  app.get('/v1/sync/runs', { schema: { tags, summary: 'Runs, newest first (of a status, of a trigger)', querystring: runListQuery, response: { 200: page(runSchema) } } }, async (request) => {
    const after = decodeCursor(request.query.cursor, 2, ([t, id]) => isTimePart(t!) && isUuidPart(id!));
    const { status, trigger } = request.query;
    const rows = await runs.list(request.query.limit + 1, after ? { queuedAt: after[0]!, id: after[1]! } : null, { status, trigger });
    return paged(rows, request.query.limit, (last) => [last.queuedAt, last.id]);
  });

  app.get(
    '/v1/sync/runs/:id',
    { schema: { tags, summary: 'One run: counts, domains, and a page of its changes and problems', params: idParams, querystring: runDetailQuery, response: { 200: runDetailSchema } } },
    async (request) =>
      runs.detail(request.params.id, {
        limit: request.query.limit,
        changesAfter: request.query.changesCursor ? Number(request.query.changesCursor) : undefined,
        problemsAfter: request.query.problemsCursor ? Number(request.query.problemsCursor) : undefined,
        entity: request.query.entity,
        kind: request.query.kind,
      }),
  );
}

function runControlRoutes(app: Api, deps: ApiDeps): void {
  const control = () => {
    if (!deps.control) throw new AppError('NOT_READY', 'this process cannot start syncs (no source or queue configured)');
    return deps.control;
  };

  app.post(
    '/v1/sync',
    {
      schema: {
        tags,
        summary: 'Start a sync of every domain, of one, or of one user (joins a live run of the same scope)',
        body: triggerBody.nullish(),
        response: { 202: z.object({ runId: z.uuid(), created: z.boolean(), status: runSchema.shape.status }) },
      },
    },
    async (request, reply) => {
      const { run, created } = await control().start({ trigger: 'api', domain: request.body?.domain, user: request.body?.user, dryRun: request.body?.dryRun, actor: request.actor.name });
      return reply.status(202).send({ runId: run.id, created, status: run.status });
    },
  );

  app.post(
    '/v1/sync/runs/:id/approve',
    { schema: { tags, summary: 'Apply a quarantined run (in the background)', params: idParams, response: { 202: runSchema } } },
    async (request, reply) => reply.status(202).send(runSummary(await control().approve(request.params.id, request.actor))),
  );

  app.post(
    '/v1/sync/runs/:id/discard',
    { schema: { tags, summary: 'Discard a quarantined run: nothing is applied', params: idParams, response: { 200: runSchema } } },
    async (request) => runSummary(await control().discard(request.params.id, request.actor)),
  );
}
