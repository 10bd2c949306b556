import { parseArgs } from 'node:util';
import { start } from '../app/start.js';
import { AppError } from '../errors/app-error.js';
import { ConfigError } from '../errors/sync-errors.js';
import { formatRun } from './print-run.js';

const USAGE = `Usage: fusionpbx-sync <command> [options]

Commands:
  start                       API, worker and schedule in one process (the container default)
  worker                      job processors only
  api                         admin HTTP API only
  sync [--domain D | --user U] [--dry-run] [--json]
                              run one sync to the end in this process (U: a FusionPBX user uuid or
                              username@domain, synced alone, with a trace); exit 1 if it failed, 3 if quarantined
  migrate                     migrate the users store and exit
  demo                        run the daemon on the bundled demo (see README)
`;

export const EXIT = { ok: 0, failed: 1, usage: 2, quarantined: 3 } as const;

/** Runs one command; returns the process exit code. Logs go to stderr, results to stdout. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'migrate':
        return await migrateCommand(env);
      case 'sync':
        return await syncCommand(rest, env);
      case 'start':
      case 'worker':
      case 'api':
      case 'demo': {
        const { runDaemon } = await import('./daemon.js');
        return await runDaemon(command, rest, env);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
        return EXIT.usage;
    }
  } catch (error) {
    return reportFatal(error);
  }
}

export function reportFatal(error: unknown): number {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof AppError) {
    process.stderr.write(`${error.code}: ${error.message}\n`);
    return EXIT.usage;
  }
  process.stderr.write(`fusionpbx-sync: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.failed;
}

async function migrateCommand(env: NodeJS.ProcessEnv): Promise<number> {
  const app = await start({ env, parts: {}, processMetrics: false });
  app.logger.info('store is migrated');
  await app.stop();
  return EXIT.ok;
}

async function syncCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { domain: { type: 'string' }, user: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const app = await start({ env, parts: { source: true }, processMetrics: false });
  try {
    const { sync, pipeline } = app;
    if (!sync || !pipeline) throw new Error('this process has no FusionPBX source');
    const { run, created } = await sync.requestRun({ trigger: 'cli', domain: values.domain, user: values.user, dryRun: values['dry-run'], actor: 'cli' });
    if (!created) app.logger.info({ runId: run.id }, 'a run for this scope is already live: waiting for it');
    const final = created ? await pipeline.runInProcess(run.id) : await pipeline.waitFor(run.id);
    const detail = await app.runReads.detailOf(final, { limit: 100 });
    process.stdout.write(values.json ? `${JSON.stringify(detail)}\n` : formatRun(detail));
    return final.status === 'succeeded' ? EXIT.ok : final.status === 'quarantined' ? EXIT.quarantined : EXIT.failed;
  } finally {
    await app.stop();
  }
}
