import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { Api } from '../api-types.js';

/** Swagger UI's files, as @fastify/swagger-ui ships them in its package (no CDN: the page works on an isolated network). */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
};

/** The page's own script: it asks for a token (kept for the browser session only) and loads /docs/json with it. */
const PAGE_SCRIPT = `'use strict';
(function () {
  var form = document.getElementById('token-form');
  var input = document.getElementById('token');
  function load(token) {
    window.SwaggerUIBundle({
      url: '/docs/json',
      dom_id: '#ui',
      validatorUrl: null,
      requestInterceptor: function (request) { request.headers.Authorization = 'Bearer ' + token; return request; },
    });
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    sessionStorage.setItem('fps-token', input.value);
    load(input.value);
  });
  var saved = sessionStorage.getItem('fps-token');
  if (saved) load(saved);
})();
`;

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>fusionpbx-sync admin API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body>
<form id="token-form"><label for="token">Admin token (a <code>read</code> token shows the document; requests made from it use this token)</label>
<input id="token" type="password" autocomplete="off" required><button type="submit">Show</button></form>
<div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/docs/assets/docs-page.js"></script>
</body></html>
`;

/** No inline script, nothing from elsewhere. Swagger UI sets inline styles on its elements. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * The OpenAPI document (`/docs/json`, for a `read` token) and a page showing it (`/docs`, open:
 * a browser cannot send a bearer token for a page, so the page asks for one and fetches the
 * document with it).
 */
export function docsRoutes(app: Api, document: () => unknown): void {
  const dir = join(dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui')), 'static');
  const files = new Map([...Object.keys(ASSETS).map((name) => [name, readFileSync(join(dir, name))] as const), ['docs-page.js', Buffer.from(PAGE_SCRIPT)] as const]);
  const types: Record<string, string> = { ...ASSETS, 'docs-page.js': 'application/javascript; charset=utf-8' };

  app.get('/docs/json', { schema: { hide: true } }, async () => document());
  app.get('/docs', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).send(PAGE));
  app.get(
    '/docs/assets/:file',
    { schema: { hide: true, params: z.object({ file: z.enum(Object.keys(types) as [string, ...string[]]) }).strict() } },
    async (request, reply) =>
      reply.type(types[request.params.file]!).header('content-security-policy', CSP).header('cache-control', 'public, max-age=86400').send(files.get(request.params.file)),
  );
}
