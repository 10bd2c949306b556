import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const MAX_FUNCTION_LINES = 60;
const MAX_FILE_LINES = 300;

/** Every TypeScript file of src/ and workers/ git knows, migrations aside (each is one long statement of SQL). */
function sourceFiles(): string[] {
  return execFileSync('git', ['ls-files', 'src', 'workers'], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.ts') && !f.includes('/migrations/'));
}

/** Functions (declarations, methods, arrows) longer than the limit, as "file:line name (n lines)". */
function longFunctions(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const lines = source.getLineAndCharacterOfPosition(node.end).line - first + 1;
      const name = 'name' in node && node.name ? node.name.getText(source) : '(anonymous)';
      if (lines > MAX_FUNCTION_LINES) found.push(`${file}:${first + 1} ${name} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('code size: small files, short functions (style.md §12)', () => {
  const files = sourceFiles().map((file) => ({ file, text: readFileSync(file, 'utf8') }));

  it(`no file of src/ or workers/ over ${MAX_FILE_LINES} lines`, () => {
    expect(files.filter((f) => f.text.split('\n').length > MAX_FILE_LINES).map((f) => `${f.file} (${f.text.split('\n').length} lines)`)).toEqual([]);
  });

  it(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
    expect(files.flatMap((f) => longFunctions(f.file, f.text))).toEqual([]);
  });
});
