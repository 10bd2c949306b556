import { z } from 'zod';
import { changeView } from '../../sync/run-view.js';
import { decodeCursor, encodeCursor, isIdPart, isUuidPart, paged } from '../cursor.js';
import {
  activationSchema,
  changeSchema,
  disableBody,
  emptyBody,
  listQuery,
  newUserBody,
  page,
  patchUserBody,
  userQuery,
  userSchema,
  uuidParam,
  verifyBody,
} from '../schemas.js';
import type { Api, ApiDeps } from '../api-types.js';
import { activationView, userView } from '../../users/views.js';

const idParams = z.object({ id: uuidParam }).strict();
const extensionParams = z.object({ id: uuidParam, extensionId: uuidParam }).strict();
const tags = ['users'];

/** Users: search, create, read, edit, enable/disable (also until a time), delete, extension links, login check. */
export function userRoutes(app: Api, deps: ApiDeps): void {
  userReadRoutes(app, deps);
  userWriteRoutes(app, deps);
  userExtensionRoutes(app, deps);
}

function userReadRoutes(app: Api, { users }: ApiDeps): void {
  app.get('/v1/users', { schema: { tags, summary: 'Search and filter users, by id order', querystring: userQuery, response: { 200: page(userSchema) } } }, async (request) => {
    const q = request.query;
    const after = decodeCursor(q.cursor, 1, ([id]) => isUuidPart(id!));
    const result = await users.list({ q: q.q, tenantId: q.tenant, role: q.role, status: q.status, source: q.source }, q.limit, after?.[0] ?? null);
    return { items: result.items.map(userView), nextCursor: result.next ? encodeCursor([result.next]) : null };
  });


  app.get(
    '/v1/users/:id/activation-log',
    { schema: { tags, summary: 'Every enable and disable of the user', params: idParams, querystring: listQuery, response: { 200: page(activationSchema) } } },
    async (request) => {
      const after = decodeCursor(request.query.cursor, 1, ([id]) => isIdPart(id!));
      const rows = await users.activationLog(request.params.id, request.query.limit + 1, after ? Number(after[0]) : undefined);
      const page = paged(rows, request.query.limit, (last) => [String(last.id)]);
      return { items: page.items.map(activationView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/users/:id/changes',
    { schema: { tags, summary: "The user's history: sync and admin changes side by side", params: idParams, querystring: listQuery, response: { 200: page(changeSchema) } } },
    async (request) => {
      await users.get(request.params.id).catch(async (error: unknown) => {
        // A deleted user's history stays readable.
        if ((await users.history(request.params.id, 1)).length === 0) throw error;
      });
      const after = decodeCursor(request.query.cursor, 1, ([id]) => isIdPart(id!));
      const rows = await users.history(request.params.id, request.query.limit + 1, after ? Number(after[0]) : undefined);
      const page = paged(rows, request.query.limit, (last) => [String(last.id)]);
      return { items: page.items.map(changeView), nextCursor: page.nextCursor };
    },
  );
}

function userWriteRoutes(app: Api, { users, lifecycle }: ApiDeps): void {
  app.post('/v1/users', { schema: { tags, summary: 'Create a manual user', body: newUserBody, response: { 201: userSchema } } }, async (request, reply) => {
    const user = await users.create(request.body, request.actor);
    return reply.status(201).send(userView(user));
  });

  app.get('/v1/users/:id', { schema: { tags, summary: 'One user, with extensions, last login and status', params: idParams, response: { 200: userSchema } } }, async (request) =>
    userView(await users.get(request.params.id)),
  );

  app.patch(
    '/v1/users/:id',
    { schema: { tags, summary: 'Edit a user (FusionPBX owns email, names and tenant of a synced user)', params: idParams, body: patchUserBody, response: { 200: userSchema } } },
    async (request) => userView(await users.update(request.params.id, request.body, request.actor)),
  );

  app.delete(
    '/v1/users/:id',
    { schema: { tags, summary: 'Delete a user: refused while on a call, when calls cannot be checked, or for the last tenant admin', params: idParams, response: { 204: z.undefined() } } },
    async (request, reply) => {
      await lifecycle.delete(request.params.id, request.actor);
      return reply.status(204).send();
    },
  );

  app.post(
    '/v1/users/:id/disable',
    { schema: { tags, summary: 'Disable a user, optionally until a time', params: idParams, body: disableBody.nullish(), response: { 200: userSchema } } },
    async (request) => {
      await lifecycle.disable(request.params.id, { reason: request.body?.reason, until: request.body?.until }, request.actor);
      return userView(await users.get(request.params.id));
    },
  );

  app.post('/v1/users/:id/enable', { schema: { tags, summary: 'Enable a user', params: idParams, body: emptyBody, response: { 200: userSchema } } }, async (request) => {
    await lifecycle.enable(request.params.id, request.actor);
    return userView(await users.get(request.params.id));
  });
}

/** Extension links of manual users, and the host application's login check. */
function userExtensionRoutes(app: Api, { users, lifecycle }: ApiDeps): void {
  app.put(
    '/v1/users/:id/extensions/:extensionId',
    { schema: { tags, summary: 'Assign an extension of the tenant to a manual user', params: extensionParams, body: emptyBody, response: { 200: userSchema } } },
    async (request) => {
      await lifecycle.assignExtension(request.params.id, request.params.extensionId, request.actor);
      return userView(await users.get(request.params.id));
    },
  );

  app.delete(
    '/v1/users/:id/extensions/:extensionId',
    { schema: { tags, summary: 'Unassign an extension: refused while it is on a call or calls cannot be checked', params: extensionParams, response: { 200: userSchema } } },
    async (request) => {
      await lifecycle.unassignExtension(request.params.id, request.params.extensionId, request.actor);
      return userView(await users.get(request.params.id));
    },
  );

  app.post(
    '/v1/auth/verify',
    { schema: { tags: ['auth'], summary: "The host application's login check; records the last login", body: verifyBody, response: { 200: userSchema } } },
    async (request) => userView(await users.verifyCredentials(request.body.email, request.body.password, request.body.clientAddress ?? null)),
  );
}
