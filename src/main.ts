#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { listenForSignals } from './cli/signals.js';

// From the first line: a signal asks the command to stop cleanly (src/cli/signals.ts), even while
// the rest of the program is still loading (about half a second), hence the dynamic import below.
listenForSignals();

// A sync allocates each batch's rows, plans and statements, which live long enough to reach the
// old generation; by default V8 lets that heap grow to about four times what survived the last
// full collection (a 100k-user sync: ~70 MB live, RSS up to 410 MB). Twice is enough: RSS stays
// near 280 MB for about 0.8 s more CPU in the collector and no longer run (docs/benchmark.md).
setFlagsFromString('--heap-growing-percent=100');

const [{ runCli }, { exitWhenFlushed }] = await Promise.all([import('./cli/cli.js'), import('./cli/exit.js')]);
const code = await runCli(process.argv.slice(2));
// Long-running commands return once they have shut down; whatever still holds the loop must not keep the process alive.
await exitWhenFlushed(code);
