import { describe, expect, it } from 'vitest';
import { TokenCheck } from '../../src/api/auth.js';

describe('bearer token check', () => {
  const check = new TokenCheck([
    { label: 'admin', token: 'the-admin-token-0123456789' },
    { label: 'ops', token: 'the-ops-token-abcdefghijkl' },
  ]);

  it('returns the label of the matching token, and null for anything else', () => {
    expect(check.actorFor('Bearer the-admin-token-0123456789')).toBe('admin');
    expect(check.actorFor('Bearer the-ops-token-abcdefghijkl')).toBe('ops');
    for (const bad of [undefined, '', 'Bearer', 'Bearer ', 'bearer the-admin-token-0123456789', 'Bearer the-admin-token-012345678', 'Basic the-admin-token-0123456789', 'Bearer the-admin-token-0123456789 ']) {
      expect(check.actorFor(bad)).toBeNull();
    }
  });

  it('takes the same time whatever prefix of the token matches', () => {
    const time = (header: string) => {
      const samples: number[] = [];
      for (let i = 0; i < 20_000; i++) {
        const t = process.hrtime.bigint();
        check.actorFor(header);
        samples.push(Number(process.hrtime.bigint() - t));
      }
      return samples.sort((a, b) => a - b)[samples.length >> 1]!;
    };
    time('Bearer warm-up');
    const near = time('Bearer the-admin-token-012345678X');
    const far = time('Bearer Xhe-admin-token-0123456789');
    const short = time('Bearer x');
    // Hashing first makes the comparison independent of the prefix and of the length.
    for (const t of [far, short]) expect(Math.abs(t - near) / near).toBeLessThan(0.5);
  });
});
