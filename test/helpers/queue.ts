import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { deletePrefix } from '../../src/queue/redis.js';
import { Redis } from 'ioredis';
import { redisUrl } from './env.js';
import { keep } from './scan.js';

/** A queue prefix of its own per test file, so parallel files never share jobs. */
export function testPrefix(): string {
  return `fps-test-${randomBytes(4).toString('hex')}`;
}

/** Deletes every Redis key under a test prefix, keeping its job payloads and errors for the secret scan first. */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl());
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
      for (const key of keys) {
        if ((await redis.type(key)) !== 'hash') continue;
        const fields = await redis.hmget(key, 'data', 'returnvalue', 'failedReason', 'stacktrace', 'opts');
        keep('job', fields.filter(Boolean).join('\n'));
      }
    }
  } finally {
    redis.disconnect();
  }
  await deletePrefix(redisUrl(), prefix);
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Daemon {
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `fusionpbx-sync <command>` as a real process (tsx), capturing its log lines. */
export function spawnDaemon(command: string, env: Record<string, string>): Daemon {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', command], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', SYNC_POLL_SECONDS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    keep('log', chunk.toString('utf8'));
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output, exited };
}
