import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const config = require('../../.dependency-cruiser.cjs') as { forbidden: unknown[]; options: Record<string, unknown> };

/** The import rules of design.md §6 (.dependency-cruiser.cjs) over src/ and workers/: each violation as "rule: from -> to". */
async function violations(): Promise<string[]> {
  const result = await cruise(['src', 'workers'], { ...config.options, validate: true, ruleSet: { forbidden: config.forbidden } } as never, undefined, { tsConfig: { fileName: 'tsconfig.json' } } as never);
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

describe('import rules (design.md §6)', () => {
  it('hold for the whole codebase', async () => {
    expect(await violations()).toEqual([]);
  }, 60_000);

  it('name the file and the import of a route that reaches for the store', async () => {
    const planted = 'src/api/planted-for-the-test.ts';
    writeFileSync(planted, "import { RunStore } from '../store/run-store.js';\nexport const planted = new RunStore();\n");
    try {
      expect(await violations()).toContain(`entry-points-hold-no-store: ${planted} -> src/store/run-store.ts`);
    } finally {
      rmSync(planted, { force: true });
    }
  }, 60_000);
});
