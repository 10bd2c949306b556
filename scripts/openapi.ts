/**
 * `npm run openapi`: writes docs/openapi.json, the document GET /docs/json serves, from the routes
 * as they are registered (no database, no Redis: the services behind the routes are never called
 * while the document is written). A test fails when the committed file and the code disagree.
 */
import { writeFileSync } from 'node:fs';
import type { ApiDeps } from '../src/api/api-types.js';
import { buildServer } from '../src/api/server.js';
import { SCOPES } from '../src/config/admin-tokens.js';
import { createLogger } from '../src/observability/logger.js';
import { Metrics } from '../src/observability/metrics.js';

export const OPENAPI_FILE = 'docs/openapi.json';

/** The document, as text, exactly as it is committed. */
export async function openapiText(): Promise<string> {
  const unused = new Proxy({}, { get: (_t, key) => (key === 'then' ? undefined : () => Promise.reject(new Error('not called while the document is written'))) });
  const deps: ApiDeps = {
    logger: createLogger('silent'),
    metrics: new Metrics({ processMetrics: false }),
    users: unused as ApiDeps['users'],
    lifecycle: unused as ApiDeps['lifecycle'],
    runs: unused as ApiDeps['runs'],
    directory: unused as ApiDeps['directory'],
    control: unused as ApiDeps['control'],
    tokens: [{ label: 'openapi', token: 'writing-the-openapi-document', scopes: [...SCOPES] }],
    metricsToken: undefined,
    tls: null,
    bodyLimit: 65_536,
    routes: 'all',
    readiness: async () => ({}),
    health: () => Promise.reject(new Error('not called while the document is written')),
  };
  const server = await buildServer(deps);
  try {
    return `${JSON.stringify(server.swagger(), null, 2)}\n`;
  } finally {
    await server.close();
  }
}

if (process.argv[1]?.endsWith('openapi.ts')) {
  writeFileSync(OPENAPI_FILE, await openapiText());
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
}
