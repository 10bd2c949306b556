/**
 * `npm run bench -- --size all`: the benchmark at 10k, 100k and 1M users, one process each (so one
 * size's memory never weighs on the next), then the growth factors between sizes: 10x the users
 * should cost at most about 10x the time and no more memory.
 */
import { spawn } from 'node:child_process';

interface Result {
  size: string;
  dataset: { users: number };
  figures: Array<{ figure: string; value: number; unit: string }>;
}

const FIGURES = ['full sync, in-process (CLI)', 'no-op re-sync', 'no-op re-sync, process wall time', '1% change re-sync', 'peak RSS, full sync', 'peak RSS, no-op sync', 'full sync through the queue'];

function runSize(size: string, runner: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--size', size, '--json', '--runner', runner], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Result) : reject(new Error(`bench --size ${size} exited ${code}`))));
  });
}

export async function runAllSizes(runner: string): Promise<string> {
  const results: Result[] = [];
  for (const size of ['medium', 'large', 'huge']) results.push(await runSize(size, runner));
  const value = (r: Result, name: string) => r.figures.find((f) => f.figure.startsWith(name))?.value;
  const lines = [`figure${' '.repeat(36)}${results.map((r) => `${r.dataset.users.toLocaleString('en-US')} users`.padStart(16)).join('')}${'growth'.padStart(22)}`];
  for (const name of FIGURES) {
    const values = results.map((r) => value(r, name));
    const growth = values.slice(1).map((v, i) => (v !== undefined && values[i] ? `x${(v / values[i]!).toFixed(2)}` : '-')).join(' / ');
    lines.push(`${name.padEnd(42)}${values.map((v) => String(v ?? '-').padStart(16)).join('')}${growth.padStart(22)}`);
  }
  return `${lines.join('\n')}\n(growth: each size against the one before; 10x the users each time)\n`;
}
