import { describe, expect, it } from 'vitest';
import { disableLimit, parseMaxDisable } from '../../src/config/max-disable.js';
import type { Census } from '../../src/sources/model.js';
import { guardRun } from '../../src/sync/planner/run-guard.js';

const D = '00000000-0000-4000-8000-0000000000d1';
const uuidOf = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

function census(users: number, extra: Partial<Census> = {}): Census {
  return {
    domains: [{ uuid: D, name: 'acme', enabled: true }],
    unknownDomainUuids: [],
    users: Array.from({ length: users }, (_, i) => ({ uuid: uuidOf(i), domainUuid: D, enabled: true, email: null })),
    problems: [],
    ...extra,
  };
}
const store = (n: number) => Array.from({ length: n }, (_, i) => ({ fusionpbxUserUuid: uuidOf(i), fusionpbxDomainUuid: D, status: 'enabled' as const }));

describe('run guard', () => {
  it('parses SYNC_MAX_DISABLE as a count or a percentage, and refuses anything else', () => {
    expect(parseMaxDisable('50')).toEqual({ kind: 'count', value: 50 });
    expect(parseMaxDisable('25%')).toEqual({ kind: 'percent', value: 25 });
    expect(() => parseMaxDisable('25 %')).toThrow();
    expect(() => parseMaxDisable('150%')).toThrow();
    expect(() => parseMaxDisable('-1')).toThrow();
    expect(disableLimit({ kind: 'percent', value: 25 }, 100, 5)).toBe(25);
    expect(disableLimit({ kind: 'percent', value: 25 }, 8, 5)).toBe(5);
  });

  it('passes a run within the limit and quarantines one beyond it', () => {
    const base = { storeDomains: 1, maxDisable: parseMaxDisable('10'), floor: 0 };
    expect(guardRun({ ...base, census: census(90), storeUsers: store(100) })).toMatchObject({ quarantineReason: null, projectedDisables: 10 });
    const stopped = guardRun({ ...base, census: census(89), storeUsers: store(100) });
    expect(stopped.projectedDisables).toBe(11);
    expect(stopped.quarantineReason).toMatch(/would disable 11 users/);
  });

  it('counts a percentage of the synced users in scope', () => {
    const base = { storeDomains: 1, maxDisable: parseMaxDisable('25%'), floor: 0 };
    expect(guardRun({ ...base, census: census(75), storeUsers: store(100) }).quarantineReason).toBeNull();
    expect(guardRun({ ...base, census: census(74), storeUsers: store(100) }).quarantineReason).not.toBeNull();
  });

  it('quarantines an upstream that suddenly returns no domains or no users', () => {
    const base = { storeDomains: 1, maxDisable: parseMaxDisable('100%'), floor: 0, storeUsers: store(3) };
    expect(guardRun({ ...base, census: census(0, { domains: [] }) }).quarantineReason).toMatch(/no domains/);
    expect(guardRun({ ...base, census: census(0) }).quarantineReason).toMatch(/no users/);
    expect(guardRun({ ...base, storeUsers: [], storeDomains: 0, census: census(0, { domains: [] }) }).quarantineReason).toBeNull();
  });

  it('does not count users of a domain the source refused, nor users already disabled', () => {
    const base = { storeDomains: 1, maxDisable: parseMaxDisable('0'), floor: 0 };
    expect(guardRun({ ...base, census: census(0, { unknownDomainUuids: [D] }), storeUsers: store(5) })).toMatchObject({ projectedDisables: 0, quarantineReason: null });
    const disabled = store(5).map((u) => ({ ...u, status: 'disabled' as const }));
    expect(guardRun({ ...base, census: census(1), storeUsers: disabled }).projectedDisables).toBe(0);
  });
});
