#!/usr/bin/env node
import { runCli } from './cli/cli.js';

const code = await runCli(process.argv.slice(2));
// Long-running commands return once they have shut down; whatever still holds the loop must not keep the process alive.
process.exit(code);
