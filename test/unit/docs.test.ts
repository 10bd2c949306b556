import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config/env-schema.js';
import { ERROR_STATUS } from '../../src/errors/app-error.js';

describe('documentation stays in step with the code', () => {
  const readme = readFileSync('README.md', 'utf8');
  const envExample = readFileSync('.env.example', 'utf8');

  it.each(CONFIG_VARIABLES)('documents %s in README and .env.example', (name) => {
    expect(readme).toContain(`\`${name}\``);
    expect(envExample).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });
});

describe('the closed list of API error codes', () => {
  const readme = readFileSync('README.md', 'utf8');
  it.each(Object.entries(ERROR_STATUS))('documents %s (%i) in the README', (code, status) => {
    expect(readme).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
  });
});
