import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { redisUrl, serverUrl } from '../helpers/env.js';

interface BenchResult {
  size: string;
  figures: Array<{ figure: string; value: number; unit: string; ok?: boolean }>;
}

function runBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--size', 'small', '--runner', 'tsx', '--json'], {
      env: { PATH: process.env.PATH, BENCH_POSTGRES_URL: serverUrl(), REDIS_URL: redisUrl() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The small benchmark runs in the suite so it never rots; it checks rows written, never times. */
describe('npm run bench -- --size small', () => {
  it('measures every figure; a no-op re-sync writes nothing and 1% churn writes exactly its changes', async () => {
    const { code, stdout, stderr } = await runBench();
    expect(code, stderr.slice(-2000)).toBe(0);
    const result = JSON.parse(stdout) as BenchResult;
    expect(result.size).toBe('small');
    const figure = (prefix: string) => {
      const found = result.figures.find((f) => f.figure.startsWith(prefix));
      expect(found, prefix).toBeDefined();
      expect(Number.isFinite(found!.value)).toBe(true);
      return found!;
    };
    for (const name of ['ceiling', 'full sync, in-process', 'no-op re-sync', 'peak RSS', '1% change re-sync', 'full sync through the queue', 'full sync from the rest source', 'GET /healthz', 'GET /v1/users?q=', 'guarded DELETE']) figure(name);
    expect(figure('no-op re-sync, rows written')).toMatchObject({ value: 0, ok: true });
    const churn = figure('1% change: rows written');
    expect(churn.value).toBeGreaterThan(0);
    expect(churn.ok).toBe(true);
  }, 240_000);
});
