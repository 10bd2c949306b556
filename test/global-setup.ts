import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKnex } from '../src/common/postgres.js';
import { migrate } from '../src/store/migrate.js';
import { ensureDatabase } from '../src/demo/databases.js';
import { TEMPLATE_DB, serverUrl } from './helpers/env.js';
import { scan } from './helpers/scan.js';

/**
 * Migrates one template database per test run; each test file clones it (test/helpers/databases.ts).
 * When the suite ends, scans everything its daemons said and kept for a secret (test/helpers/scan.ts).
 */
export async function setup(): Promise<() => void> {
  const url = await ensureDatabase(serverUrl(), TEMPLATE_DB, { fresh: true });
  const db = createKnex(url, { applicationName: 'fps-test-template', poolMax: 2 });
  try {
    await migrate(db);
  } finally {
    await db.destroy();
  }
  const dir = mkdtempSync(join(tmpdir(), 'fps-scan-'));
  process.env.FPS_SCAN_DIR = dir;
  return () => {
    const { findings, bytes, files } = scan(dir);
    rmSync(dir, { recursive: true, force: true });
    if (findings.length > 0) {
      // Vitest ignores an error thrown here; the exit code is how the suite fails.
      process.stderr.write(`secret scan: ${findings.length} secrets found in the suite's output:\n${findings.join('\n')}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`secret scan: no secret in ${files} files (${Math.round(bytes / 1024)} KiB of logs, replies, job payloads, change logs)\n`);
  };
}
