/**
 * The import rules of design.md §6, checked in `npm test` (test/unit/import-rules.test.ts) and by
 * `npm run check:imports`. Layers, from the top: entry points (src/cli, src/api, workers, src/demo)
 * -> the composition root (src/app) -> services (src/sync, src/users, src/queue) -> the planner
 * (src/sync/planner) -> store, sources, probes -> foundations (src/common, src/errors,
 * src/config, src/observability). Type-only imports count too.
 */
const ENTRY = '^(src/cli|src/api|src/demo|workers)/';
const SERVICES = '^(src/sync|src/users|src/queue)/';
const INFRA = '^(src/store|src/sources|src/probes)/';
const FOUNDATION = '^(src/common|src/errors|src/config|src/observability)/';
const IO_PACKAGES = '^(node:)?(fs|net|http|https|child_process)$|node_modules/(knex|pg|ioredis|bullmq|axios|fastify|prom-client|pino)/';

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'No import cycle, of any length.', from: {}, to: { circular: true } },
    {
      name: 'planner-is-pure',
      severity: 'error',
      comment: 'The planner does no I/O: it imports only itself, the foundations and the shapes of the model and the store.',
      from: { path: '^src/sync/planner/' },
      to: { pathNot: ['^src/sync/planner/', FOUNDATION, '^src/sources/model\\.ts$', '^src/store/types\\.ts$'] },
    },
    { name: 'planner-no-io-packages', severity: 'error', from: { path: '^src/sync/planner/' }, to: { path: IO_PACKAGES } },
    { name: 'sources-not-store', severity: 'error', comment: 'Sources and the store never import each other.', from: { path: '^src/sources/' }, to: { path: '^src/store/' } },
    { name: 'store-not-sources', severity: 'error', comment: 'Sources and the store never import each other.', from: { path: '^src/store/' }, to: { path: '^src/sources/' } },
    {
      name: 'infrastructure-below-services',
      severity: 'error',
      comment: 'The store, sources and probes import no service, entry point or the composition root.',
      from: { path: INFRA },
      to: { path: [SERVICES, ENTRY, '^src/app/'] },
    },
    {
      name: 'foundations-at-the-bottom',
      severity: 'error',
      from: { path: FOUNDATION },
      to: { path: [SERVICES, ENTRY, INFRA, '^src/app/'] },
    },
    { name: 'services-below-entry-points', severity: 'error', from: { path: SERVICES }, to: { path: [ENTRY, '^src/app/'] } },
    {
      name: 'entry-points-hold-no-store',
      severity: 'error',
      comment: 'Routes and processors go through services: they import no store and no source.',
      from: { path: '^(src/api|workers)/' },
      to: { path: ['^src/store/', '^src/sources/'] },
    },
    {
      name: 'only-the-root-builds-the-server',
      severity: 'error',
      comment: 'Nothing imports the admin server or a processor but the composition root (and the worker its processor).',
      from: { pathNot: ['^src/app/', '^src/api/'] },
      to: { path: '^src/api/server\\.ts$' },
    },
    {
      name: 'only-the-worker-runs-the-processor',
      severity: 'error',
      from: { pathNot: '^workers/worker\\.ts$' },
      to: { path: '^workers/sync-processor\\.ts$' },
    },
    { name: 'only-the-root-makes-workers', severity: 'error', from: { pathNot: ['^src/app/', '^workers/'] }, to: { path: '^workers/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(test|bench|dist)/' },
  },
};
