import { afterAll, beforeAll } from 'vitest';
import type { StartOptions } from '../../src/app/start.js';
import type { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import type { FusionpbxLayout } from '../../src/demo/fusionpbx-schema.js';
import { apiClient } from './api.js';
import { startTestApp, syncOnce, type TestApp } from './app.js';
import { createFusionpbxDatabase, createStoreDatabase, type TestDatabase } from './databases.js';
import { dropPrefix, testPrefix } from './queue.js';

export interface AppFixture {
  store: TestDatabase;
  fpbx: TestDatabase & { rewrite(): Promise<void> };
  app: TestApp;
  api: ReturnType<typeof apiClient>;
  /** The queue prefix of this file's jobs. */
  prefix: string;
}

export interface FixtureOptions {
  /** Environment on top of the test defaults; a function gets what the file set up before (a stand-in's port). */
  env?: Record<string, string> | (() => Record<string, string>);
  parts?: StartOptions['parts'];
  layout?: FusionpbxLayout;
  /** Sync once before the tests. */
  synced?: boolean;
}

/**
 * The usual set-up of an integration test file, in one place: a users store cloned from the
 * template, a FusionPBX database filled from the factory, the real composition root on both with a
 * queue prefix of its own, and an API client; torn down (jobs, databases) after the file. The
 * fields are filled in `beforeAll`: read them inside tests and hooks.
 */
export function useApp(factory: FusionpbxFactory, options: FixtureOptions = {}): AppFixture {
  const fixture = { prefix: testPrefix() } as AppFixture;
  beforeAll(async () => {
    fixture.store = await createStoreDatabase();
    fixture.fpbx = await createFusionpbxDatabase(options.layout ?? '5.5', factory);
    const env = typeof options.env === 'function' ? options.env() : (options.env ?? {});
    fixture.app = await startTestApp({ store: fixture.store.url, fusionpbx: fixture.fpbx.url }, { QUEUE_PREFIX: fixture.prefix, ...env }, options.parts ?? { source: true, queue: true, api: true });
    fixture.api = apiClient(fixture.app.server!);
    if (options.synced) await syncOnce(fixture.app);
  }, 60_000);
  afterAll(async () => {
    await fixture.app?.stop();
    await dropPrefix(fixture.prefix);
    await fixture.fpbx?.drop();
    await fixture.store?.drop();
  });
  return fixture;
}
