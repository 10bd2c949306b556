import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_SECRETS } from './env.js';

/**
 * What the suite's daemons said and kept — log lines, API replies, job payloads, the change log and
 * run errors — written to FPS_SCAN_DIR as the tests go, for one secret scan when the suite ends.
 */
export type Channel = 'log' | 'reply' | 'job' | 'store';

export function keep(channel: Channel, text: string): void {
  const dir = process.env.FPS_SCAN_DIR;
  if (!dir || text === '') return;
  appendFileSync(join(dir, `${channel}-${process.pid}.txt`), text.endsWith('\n') ? text : `${text}\n`);
}

const PATTERNS: Array<[string, RegExp]> = [
  ...Object.entries(TEST_SECRETS).map(([name, value]) => [name, new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))] as [string, RegExp]),
  ['a password hash', /scrypt\$\d+\$\d+\$\d+\$/],
];

/** Every secret found in the kept output: which, in which channel (never the secret itself). */
export function scan(dir: string): { findings: string[]; bytes: number; files: number } {
  mkdirSync(dir, { recursive: true });
  const findings: string[] = [];
  let bytes = 0;
  const files = readdirSync(dir);
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    bytes += text.length;
    for (const [name, pattern] of PATTERNS) {
      const line = text.split('\n').find((l) => pattern.test(l));
      if (line) findings.push(`${name} in ${file}: ${line.replace(pattern, '<secret>').slice(0, 300)}`);
    }
  }
  return { findings, bytes, files: files.length };
}
