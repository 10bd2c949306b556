import { describe, expect, it } from 'vitest';
import { StalePlan, fallbackAfter } from '../../src/sync/apply/fallback.js';

/** An error as pg raises it for a statement (a SQLSTATE and a routine), or a connection lost mid-transaction. */
const statement = (code: string) => Object.assign(new Error(`statement ${code}`), { code, routine: 'x' });
const lostConnection = Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });

describe('the apply path\'s fallback', () => {
  it('splits a group that could not commit as planned into single domains', () => {
    expect(fallbackAfter(new StalePlan(), 3, false)).toBe('per-domain');
    expect(fallbackAfter(statement('23505'), 2, false)).toBe('per-domain');
    expect(fallbackAfter(statement('23514'), 2, false)).toBe('per-domain');
  });

  it('plans a single domain again under its lock when its kept plan went stale or hit a taken key', () => {
    expect(fallbackAfter(new StalePlan(), 1, false)).toBe('replan');
    expect(fallbackAfter(statement('23505'), 1, false)).toBe('replan');
  });

  it('leaves everything else to the driver: a lost connection, another refusal of a single domain, any failure of a fresh plan', () => {
    expect(fallbackAfter(lostConnection, 3, false)).toBe('rethrow');
    expect(fallbackAfter(lostConnection, 1, false)).toBe('rethrow');
    expect(fallbackAfter(statement('23514'), 1, false)).toBe('rethrow');
    expect(fallbackAfter(new StalePlan(), 1, true)).toBe('rethrow');
    expect(fallbackAfter(new Error('a bug'), 2, false)).toBe('rethrow');
  });
});
