import { runDemo } from '../demo/run-demo.js';

/** Long-running commands. The queue, worker and admin API are not built yet: they say so. */
export async function runDaemon(command: 'start' | 'worker' | 'api' | 'demo', args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (command === 'demo') return runDemo(args, env);
  process.stderr.write(`fusionpbx-sync ${command}: not built yet (the queue, worker and admin API are open issues); use "fusionpbx-sync sync".\n`);
  return 1;
}
