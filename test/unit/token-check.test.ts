import { describe, expect, it } from 'vitest';
import { TokenCheck } from '../../src/api/auth.js';

describe('bearer token check', () => {
  const check = new TokenCheck([
    { label: 'admin', token: 'the-admin-token-0123456789' },
    { label: 'ops', token: 'the-ops-token-abcdefghijkl' },
  ]);
  const actorFor = (header: string | undefined) => check.match(header)?.label ?? null;

  it('returns the label of the matching token, and null for anything else', () => {
    expect(actorFor('Bearer the-admin-token-0123456789')).toBe('admin');
    expect(actorFor('Bearer the-ops-token-abcdefghijkl')).toBe('ops');
    for (const bad of [undefined, '', 'Bearer', 'Bearer ', 'bearer the-admin-token-0123456789', 'Bearer the-admin-token-012345678', 'Basic the-admin-token-0123456789', 'Bearer the-admin-token-0123456789 ']) {
      expect(actorFor(bad)).toBeNull();
    }
  });

  it('takes the same time whatever prefix of the token matches', () => {
    const headers = ['Bearer the-admin-token-012345678X', 'Bearer Xhe-admin-token-0123456789', 'Bearer x'];
    // Interleaved, so a change in the machine's load (other test files run alongside) weighs on
    // every header alike; each figure is the median of its samples.
    const samples = headers.map(() => [] as number[]);
    for (let i = 0; i < 60_000; i++) {
      const k = i % headers.length;
      const t = process.hrtime.bigint();
      check.match(headers[k]);
      samples[k]!.push(Number(process.hrtime.bigint() - t));
    }
    const [near, far, short] = samples.map((s) => s.sort((a, b) => a - b)[s.length >> 1]!) as [number, number, number];
    // Hashing first makes the comparison independent of the prefix and of the length.
    for (const t of [far, short]) expect(Math.abs(t - near) / near).toBeLessThan(0.5);
  });
});
