import type { ConfigNeeds } from '../config/config.js';
import { start, type App } from '../app/start.js';
import { runDemo } from '../demo/run-demo.js';

const PARTS: Record<'start' | 'worker' | 'api', ConfigNeeds> = {
  start: { source: true, queue: true, worker: true, api: true, probe: true },
  worker: { source: true, queue: true, worker: true },
  api: { source: true, queue: true, api: true, probe: true },
};

/** Long-running commands: run until SIGTERM or SIGINT, then shut down in stages; a second signal forces the exit. */
export async function runDaemon(command: 'start' | 'worker' | 'api' | 'demo', args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (command === 'demo') return runDemo(args, env);
  const app = await start({ env, parts: PARTS[command] });
  app.logger.info({ command, pid: process.pid }, 'fusionpbx-sync is running');
  return untilSignal(app);
}

export function untilSignal(app: App): Promise<number> {
  process.on('unhandledRejection', (reason) => app.logger.error({ err: reason }, 'unhandled promise rejection'));
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        app.logger.warn({ signal }, 'second signal: exiting now');
        app.logger.flush();
        process.exit(1);
      }
      stopping = true;
      app.logger.info({ signal }, 'shutting down');
      const hard = setTimeout(() => {
        app.logger.error('shutdown deadline passed: exiting');
        app.logger.flush();
        process.exit(1);
      }, app.config.SHUTDOWN_TIMEOUT_MS + 1_000);
      hard.unref();
      app.stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
