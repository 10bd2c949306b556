import { z } from 'zod';
import type { Api, ApiDeps } from '../api-types.js';
import { decodeCursor, isUuidPart, paged } from '../cursor.js';
import { exclusionSchema, extensionQuery, extensionSchema, fusionpbxIdParam, listQuery, page, tenantSchema } from '../schemas.js';

/** Tenants, extensions, and the exclusions of deleted FusionPBX users. */
export function directoryRoutes(app: Api, { directory, users }: ApiDeps): void {
  const afterId = (cursor: string | undefined) => decodeCursor(cursor, 1, ([id]) => isUuidPart(id!))?.[0] ?? null;

  app.get('/v1/tenants', { schema: { tags: ['tenants'], summary: 'Tenants and the domains that feed them', querystring: listQuery, response: { 200: page(tenantSchema) } } }, async (request) =>
    paged(await directory.tenants(request.query.limit + 1, afterId(request.query.cursor)), request.query.limit, (t) => [t.id]),
  );

  app.get(
    '/v1/extensions',
    { schema: { tags: ['extensions'], summary: 'Extensions, by tenant, unassigned only', querystring: extensionQuery, response: { 200: page(extensionSchema) } } },
    async (request) => {
      const q = request.query;
      return paged(await directory.extensions({ tenantId: q.tenant, unassigned: q.unassigned }, q.limit + 1, afterId(q.cursor)), q.limit, (e) => [e.id]);
    },
  );

  app.get(
    '/v1/exclusions',
    { schema: { tags: ['users'], summary: 'FusionPBX users an admin deleted (never recreated by the sync)', querystring: listQuery, response: { 200: page(exclusionSchema) } } },
    async (request) => paged(await directory.exclusions(request.query.limit + 1, afterId(request.query.cursor)), request.query.limit, (e) => [e.fusionpbxUserUuid]),
  );

  app.delete(
    '/v1/exclusions/:fusionpbxUserUuid',
    { schema: { tags: ['users'], summary: 'Lift an exclusion: the next sync recreates the user', params: z.object({ fusionpbxUserUuid: fusionpbxIdParam }).strict(), response: { 204: z.undefined() } } },
    async (request, reply) => {
      await users.liftExclusion(request.params.fusionpbxUserUuid, request.actor);
      return reply.status(204).send();
    },
  );
}
