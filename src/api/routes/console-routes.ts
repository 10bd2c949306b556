import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Api } from '../api-types.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Nothing inline, nothing from elsewhere: the console's own files and the API, on this origin. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The operations console (src/console/static: HTML, CSS and ES modules, no framework, no build
 * step), served by the API process from the package, so it works on a network with no way out.
 * The page and its files are open; everything it shows comes from the /v1 API with the token the
 * person types in (kept in the browser's sessionStorage), under the same scopes as any caller.
 */
export function consoleRoutes(app: Api): void {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../console/static');
  const files = new Map(readdirSync(dir).filter((f) => TYPES[extname(f)]).map((f) => [f, readFileSync(join(dir, f))] as const));
  const serve = (reply: FastifyReply, file: string) => reply.type(TYPES[extname(file)]!).header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').send(files.get(file));

  app.get('/console', { schema: { hide: true } }, async (_request, reply) => serve(reply, 'index.html'));
  app.get(
    '/console/assets/:file',
    { schema: { hide: true, params: z.object({ file: z.enum([...files.keys()].filter((f) => f !== 'index.html') as [string, ...string[]]) }).strict() } },
    async (request, reply) => serve(reply, request.params.file),
  );
}
