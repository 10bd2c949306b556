import { parseArgs } from 'node:util';
import { packageVersion } from '../common/version.js';
import { EXIT, reportFatal, UsageError } from './exit.js';
import { HELP, USAGE } from './help.js';
import { migrateCommand, syncCommand } from './commands.js';

export { EXIT } from './exit.js';

/** Runs one command; returns the process exit code. Logs go to stderr, results to stdout. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  const json = rest.includes('--json');
  try {
    switch (command) {
      case 'migrate':
        return await migrateCommand(parse(command, rest, {}), env);
      case 'sync':
        return await syncCommand(parse(command, rest, SYNC_OPTIONS), env);
      case 'start':
      case 'worker':
      case 'api':
      case 'demo': {
        const { runDaemon } = await import('./daemon.js');
        return await runDaemon(command, rest, env);
      }
      case '--version':
      case '-V':
      case 'version':
        process.stdout.write(`fusionpbx-sync ${packageVersion()}\n`);
        return EXIT.ok;
      case 'help':
      case '--help':
      case '-h':
        return help(rest[0]);
      case undefined:
        process.stderr.write(USAGE);
        return EXIT.usage;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    return reportFatal(error, { json, usage: command && command in HELP ? HELP[command as keyof typeof HELP] : USAGE });
  }
}

const SYNC_OPTIONS = { domain: { type: 'string' }, user: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } as const;

/** A command's options; anything else is a usage error (exit 2), never a failed sync. */
function parse<O extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(command: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`);
  }
}

function help(topic: string | undefined): number {
  if (topic === undefined) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const text = HELP[topic as keyof typeof HELP];
  if (!text) throw new UsageError(`no help for "${topic}": it is not a command`);
  process.stdout.write(text);
  return EXIT.ok;
}
