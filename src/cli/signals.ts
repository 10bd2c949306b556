/**
 * SIGINT and SIGTERM, taken over by main.ts before anything else runs: from then on a signal asks
 * the running command to stop rather than killing it mid-write. `sync` finishes the batches in
 * flight and ends its run failed; `migrate` finishes the migration in flight; the daemons shut down
 * in stages (src/app/serve.ts takes over once they run).
 */
const controller = new AbortController();

export const interruption: AbortSignal = controller.signal;

export function listenForSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!controller.signal.aborted) {
        process.stderr.write(`fusionpbx-sync: ${signal}: stopping (a second ${signal} exits at once)\n`);
        controller.abort(signal);
      } else if (process.listenerCount(signal) === 1) process.exit(130);
    });
  }
}
