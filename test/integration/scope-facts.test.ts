import { describe, expect, it } from 'vitest';
import { parseMaxDisable } from '../../src/config/max-disable.js';
import type { FusionpbxSource } from '../../src/sources/source.js';
import { contestedEmails } from '../../src/sync/planner/email-claims.js';
import { readScopeFacts } from '../../src/sync/scope-facts.js';
import { syncOnce } from '../helpers/app.js';
import { useApp } from '../helpers/fixture.js';
import { platform, withLeftovers } from '../helpers/platform.js';

/**
 * A whole-platform run from the database pages through the users (never holding them all); it must
 * decide exactly what the run that reads the whole census decides: the same safety verdict, the
 * same contested emails. Pages of 7 users put many page boundaries inside every domain.
 */
describe('whole-platform run facts, paged and in one go', () => {
  const f = withLeftovers(platform(71, 12, 15, 'any'), 3);
  // A few emails claimed by users of two domains.
  for (let i = 0; i < 5; i++) f.users[i * 17 + 1]!.email = f.users[i * 31 + 40]!.email;
  const fx = useApp(f, { synced: true });

  async function bothWays(maxDisable: string) {
    const deps = { ...fx.app.stores, db: fx.app.db, source: fx.app.source!, mapping: fx.app.pipeline!['deps'].mapping, maxDisable: parseMaxDisable(maxDisable), maxDisableFloor: 2 };
    const storeDomains = await fx.app.stores.scope.domains(fx.app.db, null);
    // The same source, without its paged reads: the census path.
    const census = Object.assign(Object.create(fx.app.source!) as FusionpbxSource, { usersBetween: undefined });
    const paged = await readScopeFacts(deps, { scopeUserUuid: null }, null, storeDomains, 7);
    const whole = await readScopeFacts({ ...deps, source: census }, { scopeUserUuid: null }, null, storeDomains);
    return { paged, whole };
  }

  it('gives the same verdict and claims as the census, with nothing removed and after removals upstream', async () => {
    for (const stage of ['synced', 'removed'] as const) {
      if (stage === 'removed') {
        for (const u of f.users.filter((_, i) => i % 4 === 0)) f.removeUser(u);
        f.users.slice(0, 9).forEach((u) => (u.enabled = false));
        await fx.fpbx.rewrite();
      }
      for (const limit of ['5', '50%']) {
        const { paged, whole } = await bothWays(limit);
        expect(paged.guard, `${stage} ${limit}`).toEqual(whole.guard);
        expect(contestedEmails(paged.claimants).sort()).toEqual(contestedEmails(whole.claimants).sort());
        expect(paged.domains.map((d) => d.uuid).sort()).toEqual(whole.domains.map((d) => d.uuid).sort());
      }
    }
    const { paged } = await bothWays('5');
    expect(paged.guard.projectedDisables).toBeGreaterThan(40);
    expect(paged.guard.quarantineReason).toMatch(/would disable/);
    expect(contestedEmails(paged.claimants).length).toBeGreaterThan(0);
    // The paged path never reads every user at once: no census, no whole list of synced users, pages of at most 7.
    const calls: string[] = [];
    const spy = <T extends object>(target: T, name: string) => new Proxy(target, { get: (t, key) => { const v = Reflect.get(t, key, t); return typeof v === 'function' ? (...a: unknown[]) => (calls.push(`${name}.${String(key)}`), v.apply(t, a)) : v; } });
    const pages: number[] = [];
    const scope = spy(fx.app.stores.scope, 'store');
    const paging = Object.assign(Object.create(scope) as typeof scope, { syncedUsersPage: async (...a: Parameters<typeof scope.syncedUsersPage>) => { const p = await fx.app.stores.scope.syncedUsersPage(...a); pages.push(p.length); return p; } });
    const deps = { ...fx.app.stores, scope: paging, db: fx.app.db, source: spy(fx.app.source!, 'source'), mapping: fx.app.pipeline!['deps'].mapping, maxDisable: parseMaxDisable('5'), maxDisableFloor: 2 };
    await readScopeFacts(deps, { scopeUserUuid: null }, null, await fx.app.stores.scope.domains(fx.app.db, null), 7);
    expect(calls).not.toContain('source.census');
    expect(calls).not.toContain('store.syncedUsers');
    expect(Math.max(...pages)).toBeLessThanOrEqual(7);
    expect(pages.length).toBeGreaterThan(10);
    // And a run of the platform decides the same: quarantined by the paged guard.
    expect((await syncOnce(fx.app)).status).toBe('quarantined');
  });
});
