import { spawn } from 'node:child_process';
import { keep } from './scan.js';

/** Runs `fusionpbx-sync <args>` as a real process (tsx), to its exit. */
export function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => {
      keep('log', stdout + stderr);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
