import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config/env-schema.js';
import { ERROR_STATUS } from '../../src/errors/app-error.js';

const PAGES = ['README.md', 'CHANGELOG.md', 'CONTRIBUTING.md', 'config/README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1]!)));
}

/** Relative links of a page: [text](target), outside code blocks and inline code. */
function linksOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/.test(t));
}

describe('documentation stays in step with the code', () => {
  const operations = readFileSync('docs/operations.md', 'utf8');
  const envExample = readFileSync('.env.example', 'utf8');

  it.each(CONFIG_VARIABLES)('documents %s in docs/operations.md and .env.example', (name) => {
    expect(operations).toContain(`\`${name}\``);
    expect(envExample).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });

  it.each(PAGES)('every relative link of %s points at a file, and at a heading that exists', (page) => {
    for (const link of linksOf(page)) {
      const [path, hash] = link.split('#') as [string, string | undefined];
      const target = path ? normalize(join(dirname(page), path)) : page;
      expect(existsSync(target), `${page}: ${link}`).toBe(true);
      if (hash && target.endsWith('.md')) expect([...anchorsOf(target)], `${page}: ${link}`).toContain(hash);
    }
  });

  it('keeps the README short, and links every page of docs/ from it', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme.split('\n').length).toBeLessThan(150);
    for (const page of readdirSync('docs').filter((f) => f.endsWith('.md') || f.endsWith('.json'))) expect(readme, page).toContain(`](docs/${page}`);
  });
});

describe('the closed list of API error codes', () => {
  const api = readFileSync('docs/api.md', 'utf8');
  it.each(Object.entries(ERROR_STATUS))('documents %s (%i) in docs/api.md', (code, status) => {
    expect(api).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
  });
});
