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

  /**
   * The median time to refuse a header that differs from a long configured token at its first
   * character, over the time to refuse one that differs at its last: 1 for a constant-time check.
   * Samples are interleaved, so a change in the machine's load weighs on both alike.
   */
  function prefixTimingRatio(refuse: (header: string) => unknown): number {
    const near = `Bearer ${LONG.slice(0, -1)}X`;
    const far = `Bearer X${LONG.slice(1)}`;
    const samples: [number[], number[]] = [[], []];
    for (let i = 0; i < 4_000; i++) {
      const k = i % 2;
      const t = process.hrtime.bigint();
      refuse(k === 0 ? near : far);
      samples[k]!.push(Number(process.hrtime.bigint() - t));
    }
    const [n, f] = samples.map((s) => s.sort((a, b) => a - b)[s.length >> 1]!) as [number, number];
    return n / f;
  }
  const LONG = 'k'.repeat(64 * 1024);

  it('takes the same time whatever prefix of the token matches, where a plain comparison would not', () => {
    const check = new TokenCheck([{ label: 'long', token: LONG }]);
    expect(prefixTimingRatio((h) => check.match(h))).toBeLessThan(1.5);
    // The measurement can see a leak: a plain comparison stops at the first differing character.
    const expected = `Bearer ${LONG}`;
    expect(prefixTimingRatio((h) => h === expected)).toBeGreaterThan(3);
  });
});
