import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { packageVersion } from '../common/version.js';
import { AppError } from '../errors/app-error.js';
import { addAccessHooks } from './access.js';
import type { Api, ApiDeps } from './api-types.js';
import { errorReply } from './error-handler.js';
import { finishDocument } from './openapi.js';
import { parseJsonBody } from './json-body.js';
import { directoryRoutes } from './routes/directory-routes.js';
import { consoleRoutes } from './routes/console-routes.js';
import { docsRoutes } from './routes/docs-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { syncRoutes } from './routes/sync-routes.js';
import { userRoutes } from './routes/user-routes.js';

/**
 * The admin API, built apart from `listen()` so tests inject requests. Every route says who may
 * call it (src/api/scopes.ts): a token with the route's scope for /v1 and the OpenAPI document,
 * the metrics token (when set) for /metrics, nobody for /healthz and /readyz. Every input is
 * validated by zod; every error leaves through one handler in the `{"error":{"code","message"}}`
 * shape; every request line carries the client's address.
 */
export async function buildServer(deps: ApiDeps): Promise<Api> {
  const app = Fastify({
    ...(deps.tls ? { https: deps.tls } : {}),
    loggerInstance: deps.logger.child({ component: 'api' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit,
    return503OnClosing: true,
    requestIdHeader: 'x-request-id',
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    routerOptions: { maxParamLength: 200 },
    // A malformed URL (bad percent-encoding) gets our error shape too.
    frameworkErrors: (error, request, reply) => void errorReply(error, request, reply),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(/^application\/([\w.-]+\+)?json$/, { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.setErrorHandler((error, request, reply) => errorReply(error, request, reply));
  app.setNotFoundHandler((request, reply) => errorReply(new AppError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`), request, reply));

  addAccessHooks(app, deps);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'fusionpbx-sync admin API', version: packageVersion(), description: 'Sync runs, users, tenants and extensions of fusionpbx-sync.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) => finishDocument('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject),
  });

  healthRoutes(app, deps);
  if (deps.routes === 'all') {
    syncRoutes(app, deps);
    userRoutes(app, deps);
    directoryRoutes(app, deps);
    docsRoutes(app, () => app.swagger());
    consoleRoutes(app);
  }
  await app.ready();
  return app;
}
