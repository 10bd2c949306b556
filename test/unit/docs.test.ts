import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config/config.js';

describe('documentation stays in step with the code', () => {
  const readme = readFileSync('README.md', 'utf8');
  const envExample = readFileSync('.env.example', 'utf8');

  it.each(CONFIG_VARIABLES)('documents %s in README and .env.example', (name) => {
    expect(readme).toContain(`\`${name}\``);
    expect(envExample).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });
});
