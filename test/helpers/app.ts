import { Writable } from 'node:stream';
import { start, type App, type StartOptions } from '../../src/app/start.js';
import type { Actor } from '../../src/common/vocabulary.js';
import { TEST_ADMIN_TOKEN, redisUrl } from './env.js';
import { keep } from './scan.js';

/** Every log line a test app writes, kept for assertions (and for the secret scan). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    const text = chunk.toString('utf8');
    this.lines.push(...text.split('\n').filter(Boolean));
    keep('log', text);
    done();
  }

  messages(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface TestApp extends App {
  logs: LogCapture;
}

/** Starts the real composition root on a test store and FusionPBX database. */
export async function startTestApp(
  urls: { store: string; fusionpbx?: string },
  env: Record<string, string> = {},
  parts: StartOptions['parts'] = { source: true },
): Promise<TestApp> {
  const logs = new LogCapture();
  const app = await start({
    env: {
      DATABASE_URL: urls.store,
      REDIS_URL: redisUrl(),
      FUSIONPBX_SOURCE: 'database',
      ...(urls.fusionpbx ? { FUSIONPBX_DATABASE_URL: urls.fusionpbx } : {}),
      LOG_LEVEL: 'info',
      SYNC_RETRY_DELAY_MS: '10',
      SYNC_ATTEMPTS: '2',
      // Change polling is on by default in the daemon; tests that poll turn it on themselves.
      SYNC_POLL_SECONDS: '0',
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      ...env,
    },
    parts,
    logDestination: logs,
    processMetrics: false,
  });
  return Object.assign(app, { logs });
}

/** Requests a run and runs it to the end in this process, as `fusionpbx-sync sync` does. */
export async function syncOnce(app: App, request: { domain?: string; dryRun?: boolean } = {}) {
  const { run } = await app.sync!.requestRun({ trigger: 'cli', actor: 'test', ...request });
  return app.pipeline!.runInProcess(run.id);
}

/** An admin actor as a route makes one from a token, for tests that call the services directly. */
export function actor(name: string, address: string | null = null): Actor {
  return { name, address };
}
