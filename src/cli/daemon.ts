import type { ConfigNeeds } from '../config/config.js';
import { listen, untilSignal } from '../app/serve.js';
import { start } from '../app/start.js';
import { runDemo } from '../demo/run-demo.js';
import { EXIT } from './exit.js';
import { interruption } from './signals.js';

const PARTS: Record<'start' | 'worker' | 'api', ConfigNeeds> = {
  start: { source: true, queue: true, worker: true, api: true, probe: true },
  worker: { source: true, queue: true, worker: true },
  api: { source: true, queue: true, api: true, probe: true },
};

/** Long-running commands: run until SIGTERM or SIGINT, then shut down in stages; a second signal forces the exit. */
export async function runDaemon(command: 'start' | 'worker' | 'api' | 'demo', args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (command === 'demo') return runDemo(args, env);
  const app = await start({ env, parts: PARTS[command] });
  try {
    await listen(app);
  } catch (error) {
    await app.stop();
    throw error;
  }
  // A signal that came while the process was starting: stop now, as untilSignal would have.
  if (interruption.aborted) {
    await app.stop();
    return EXIT.interrupted;
  }
  app.logger.info({ command, pid: process.pid }, 'fusionpbx-sync is running');
  return untilSignal(app);
}
