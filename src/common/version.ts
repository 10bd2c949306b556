import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** This build's version, from its package.json (found above this file in src/ and in dist/ alike). */
export function packageVersion(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'fusionpbx-sync' && pkg.version) return (cached = pkg.version);
    } catch {
      // not here: one folder up
    }
  }
  return (cached = '0.0.0-unknown');
}
