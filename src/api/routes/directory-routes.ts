import { z } from 'zod';
import { decodeCursor, isUuidPart, paged } from '../cursor.js';
import { exclusionSchema, extensionQuery, extensionSchema, fusionpbxIdParam, listQuery, page, tenantSchema } from '../schemas.js';
import type { Api, ApiDeps } from '../server.js';
import { extensionView, tenantView } from '../views.js';

/** Tenants, extensions, and the exclusions of deleted FusionPBX users. */
export function directoryRoutes(app: Api, deps: ApiDeps): void {
  const { db, stores } = deps;
  const afterId = (cursor: string | undefined) => decodeCursor(cursor, 1, ([id]) => isUuidPart(id!))?.[0] ?? null;

  app.get('/v1/tenants', { schema: { tags: ['tenants'], summary: 'Tenants and the domains that feed them', querystring: listQuery, response: { 200: page(tenantSchema) } } }, async (request) => {
    const page = paged(await stores.tenants.list(db, request.query.limit + 1, afterId(request.query.cursor)), request.query.limit, (t) => [t.id]);
    return { items: page.items.map(tenantView), nextCursor: page.nextCursor };
  });

  app.get(
    '/v1/extensions',
    { schema: { tags: ['extensions'], summary: 'Extensions, by tenant, unassigned only', querystring: extensionQuery, response: { 200: page(extensionSchema) } } },
    async (request) => {
      const q = request.query;
      const page = paged(await stores.extensions.list(db, { tenantId: q.tenant, unassigned: q.unassigned }, q.limit + 1, afterId(q.cursor)), q.limit, (e) => [e.id]);
      return { items: page.items.map(extensionView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/exclusions',
    { schema: { tags: ['users'], summary: 'FusionPBX users an admin deleted (never recreated by the sync)', querystring: listQuery, response: { 200: page(exclusionSchema) } } },
    async (request) => {
      return paged(await stores.exclusions.list(db, request.query.limit + 1, afterId(request.query.cursor)), request.query.limit, (e) => [e.fusionpbxUserUuid]);
    },
  );

  app.delete(
    '/v1/exclusions/:fusionpbxUserUuid',
    { schema: { tags: ['users'], summary: 'Lift an exclusion: the next sync recreates the user', params: z.object({ fusionpbxUserUuid: fusionpbxIdParam }).strict(), response: { 204: z.undefined() } } },
    async (request, reply) => {
      await deps.users.liftExclusion(request.params.fusionpbxUserUuid, request.actor);
      return reply.status(204).send();
    },
  );
}
