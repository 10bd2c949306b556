import { AppError } from '../errors/app-error.js';
import { ConfigError, SourceError } from '../errors/sync-errors.js';

/** The CLI's exit codes (docs/operations.md, "CLI"): part of the contract. */
export const EXIT = { ok: 0, failed: 1, usage: 2, quarantined: 3, unreachable: 4, interrupted: 130 } as const;

/** A command line that does not parse: an unknown command or option, a missing value. */
export class UsageError extends Error {}

const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', '57P03']);

/** A dependency (the store, Redis, FusionPBX) that cannot be reached, as opposed to one that answered "no". */
export function isUnreachable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 4) return false;
  if (error instanceof SourceError) return error.kind === 'unavailable';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK.has(code)) return true;
  if (/Timeout acquiring a connection|Connection terminated/.test(error.message)) return true;
  const nested = [...((error as { errors?: unknown[] }).errors ?? []), (error as { cause?: unknown }).cause];
  return nested.some((e) => isUnreachable(e, depth + 1));
}

/**
 * Reports an error that ended a command, on stderr, and with `--json` as the one JSON object on
 * stdout (`{"error": {code, message}}`); returns the exit code it calls for.
 */
export function reportFatal(error: unknown, options: { json: boolean; usage: string }): number {
  const [code, exit, message] = classify(error);
  if (options.json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  process.stderr.write(`fusionpbx-sync: ${message}\n`);
  if (error instanceof UsageError) process.stderr.write(`\n${options.usage}`);
  return exit;
}

function classify(error: unknown): [code: string, exit: number, message: string] {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) return ['USAGE', EXIT.usage, message];
  if (error instanceof ConfigError) return ['CONFIG_INVALID', EXIT.usage, message];
  if (error instanceof AppError) return [error.code, EXIT.usage, `${error.code}: ${message}`];
  if (isUnreachable(error)) return ['DEPENDENCY_UNREACHABLE', EXIT.unreachable, `cannot reach a dependency (the store, Redis or FusionPBX): ${message}`];
  return ['INTERNAL_ERROR', EXIT.failed, message];
}

/**
 * Exits once stdout and stderr have handed every write to the OS. `process.exit` alone cuts a
 * piped output at the pipe's buffer (64 KiB on Linux): a `sync --json` of 10,000 domains is larger.
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}
