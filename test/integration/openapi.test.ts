import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { OPENAPI_FILE, openapiText } from '../../scripts/openapi.js';
import { ERROR_STATUS } from '../../src/errors/app-error.js';
import { apiClient } from '../helpers/api.js';
import { useApp } from '../helpers/fixture.js';
import { platform } from '../helpers/platform.js';

type Doc = { info: { version: string }; paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>> };

describe('the OpenAPI document', () => {
  const fx = useApp(platform(51, 1, 2));

  it('is the committed docs/openapi.json (npm run openapi), valid OpenAPI, at the package version', async () => {
    const generated = await openapiText();
    expect(readFileSync(OPENAPI_FILE, 'utf8'), 'docs/openapi.json is stale: run npm run openapi').toBe(generated);
    const doc = JSON.parse(generated) as Doc;
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    expect(doc.info.version).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    // What the daemon serves is the same document.
    expect((await fx.api('GET', '/docs/json')).body).toEqual(doc);
  });

  it('needs no token for the probes, and gives every /v1 route its error responses in the error shape', () => {
    const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as Doc;
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
    expect(doc.paths['/readyz']!.get!.security).toEqual([]);
    expect(doc.paths['/metrics']!.get!.security).toEqual([{}, { metricsToken: [] }]);
    const statuses = new Set(Object.values(ERROR_STATUS).map(String));
    for (const [path, operations] of Object.entries(doc.paths).filter(([p]) => p.startsWith('/v1/'))) {
      for (const [method, op] of Object.entries(operations)) {
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '401', '403', '500']));
        for (const [status, response] of Object.entries(op.responses).filter(([s]) => statuses.has(s) && Number(s) >= 400)) {
          expect(response.content!['application/json']!.schema.$ref, `${method} ${path} ${status}`).toBe('#/components/schemas/Error');
        }
      }
    }
    expect(Object.keys(doc.paths['/v1/auth/verify']!.post!.responses)).toContain('429');
    expect(Object.keys(doc.paths['/v1/users/{id}']!.delete!.responses)).toEqual(expect.arrayContaining(['404', '409', '503']));
  });

  it('is shown at /docs from the package, with a strict Content-Security-Policy and nothing from elsewhere; /docs/json still needs a token', async () => {
    const open = apiClient(fx.app.server!, null);
    const page = await open<string>('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self';/);
    expect(page.raw).not.toMatch(/<script>|https?:\/\//);
    for (const asset of [...page.raw.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)) expect((await open('GET', asset)).status, asset).toBe(200);
    expect((await open('GET', '/docs/assets/..%2Fpackage.json')).status).toBe(400);
    expect((await open('GET', '/docs/json')).status).toBe(401);
  });
});
