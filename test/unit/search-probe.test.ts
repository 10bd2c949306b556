import { describe, expect, it } from 'vitest';
import { SearchProbe } from '../../src/store/search-probe.js';

/** 1,000 users like the bench's: `userN@tenantM.example.com givenN familyM`. */
function learned(): SearchProbe {
  const probe = new SearchProbe();
  probe.learn(Array.from({ length: 1000 }, (_, n) => `user${n * 97}@tenant${n % 10}.example.com given${n} family${n % 10}`));
  return probe;
}

describe('search probe', () => {
  it('looks up the whole search until it has a sample', () => {
    expect(new SearchProbe().probe('user4242')).toBe('user4242');
  });

  it('leaves out trigrams found in nearly every row when the rest is selective', () => {
    const probe = learned();
    expect(probe.probe('user4242')).toBe('er4242');
    expect(probe.probe('user4242@tenant')).toBe('er4242');
    expect(probe.probe('given777')).toBe('en777');
  });

  it('looks up the whole search when nothing is common or the rest narrows too little', () => {
    const probe = learned();
    expect(probe.probe('4242')).toBe('4242');
    expect(probe.probe('zebra')).toBe('zebra');
    // Every trigram of "tenant3" but the last is common, and "nt3" is in a tenth of the rows.
    expect(probe.probe('tenant3')).toBe('tenant3');
    expect(probe.probe('example')).toBe('example');
    expect(probe.probe('ab')).toBe('ab');
  });

  it('answers a part of the search, so a row that holds the search holds the probe', () => {
    const probe = learned();
    for (const text of ['user4242', 'user42@tenant1.example.com', 'family3 given17', 'given1234 user9', 'ßtraße user12', 'user😀1234', '%_\\user12']) {
      expect(text).toContain(probe.probe(text));
    }
  });

  it('counts letters beyond ASCII as word characters', () => {
    const probe = new SearchProbe();
    probe.learn(Array.from({ length: 100 }, (_, n) => `chloé${n}@café.example émilie${n}`));
    expect(probe.probe('chloé42')).toBe('oé42');
    expect(probe.probe('émilie77')).toBe('ie77');
    expect(probe.probe('émilie7')).toBe('émilie7');
  });
});
