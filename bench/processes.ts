import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** How the bench starts the daemon: the built dist/ (what ships), or tsx over src/ (for the test suite). */
export type Runner = 'dist' | 'tsx';

export function daemonArgs(runner: Runner, args: string[]): string[] {
  return runner === 'dist' ? ['dist/src/main.js', ...args] : ['--import', 'tsx', 'src/main.ts', ...args];
}

/** Peak resident set size of a process so far (VmHWM), in MB. */
function peakRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
  peakRssMb: number;
}

/** Runs `fusionpbx-sync <args>` to the end, timing it and sampling its peak RSS. */
export function runCli(runner: Runner, args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, daemonArgs(runner, args), { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, peakRss(child.pid!))), 20);
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    // VmHWM is read once more when the process reaches its end (before the exit is reaped).
    child.stdout!.on('end', () => (peak = Math.max(peak, peakRss(child.pid!))));
    child.on('close', (code) => {
      clearInterval(sampler);
      resolve({ code: code ?? -1, stdout, stderr, wallMs: performance.now() - started, peakRssMb: Math.round(peak) });
    });
  });
}

/** Starts a long-running command (worker, api) and resolves once it says it runs. */
export async function startDaemon(runner: Runner, command: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string | null; stop(): Promise<void> }> {
  // Logs at info: the start line is how the bench knows the process runs.
  const child = spawn(process.execPath, daemonArgs(runner, [command]), { env: { PATH: process.env.PATH, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  // However the bench ends, it leaves no process behind.
  const kill = () => child.kill('SIGKILL');
  process.on('exit', kill);
  child.on('exit', () => process.off('exit', kill));
  let output = '';
  const ready = new Promise<string | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`${command} did not start: ${output.slice(-500)}`));
    }, 60_000);
    const watch = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      if (output.includes('fusionpbx-sync is running')) {
        clearTimeout(timer);
        child.stdout!.off('data', watch);
        child.stderr!.off('data', watch);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve(/"url":"([^"]+)"/.exec(output)?.[1] ?? null);
      }
    };
    child.stdout!.on('data', watch);
    child.stderr!.on('data', watch);
    child.on('exit', (code) => reject(new Error(`${command} exited with ${code}: ${output.slice(-500)}`)));
  });
  const url = await ready;
  return {
    child,
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
