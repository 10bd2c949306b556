import { defineConfig } from 'vitest/config';

/**
 * `npm test`: every suite except the long ones (chaos, soak) and the browser one (console), against real Postgres and Redis.
 * Each test file gets its own database cloned from a template migrated once (test/global-setup.ts).
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/chaos/**', 'test/console/**', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
