import { describe, expect, it } from 'vitest';
import { applyInMemory, changesOf, domain, emptyStore, extension, plan, present, user } from '../helpers/planner-builders.js';

describe('planner: extensions', () => {
  it('syncs every extension, assigned or not', () => {
    const d = domain();
    const ann = user(d, 'ann');
    const p = plan(present(d, [ann], [extension(d, '100', [ann]), extension(d, '199')]));
    const created = changesOf(p, 'extension', 'created');
    expect(created).toHaveLength(2);
    const annId = changesOf(p, 'user', 'created')[0]!.id;
    expect(created.find((c) => c.after.number === '100')?.after).toMatchObject({ userId: annId, linkSource: 'sync', enabled: true });
    expect(created.find((c) => c.after.number === '199')?.after).toMatchObject({ userId: null, linkSource: null });
  });

  it('gives a shared extension to the lowest user_uuid and records the others as conflicts', () => {
    const d = domain();
    const [low, high] = [user(d, 'x'), user(d, 'y')].sort((a, b) => (a.uuid < b.uuid ? -1 : 1));
    const p = plan(present(d, [high!, low!], [extension(d, '300', [high!, low!])]));
    const lowId = changesOf(p, 'user').find((c) => c.fusionpbxUuid === low!.uuid)!.id;
    expect(changesOf(p, 'extension')[0]?.after.userId).toBe(lowId);
    expect(p.problems).toEqual([expect.objectContaining({ kind: 'conflict', entity: 'extension', code: 'EXTENSION_SHARED' })]);
    expect(p.counts.extensions?.conflict).toBe(1);
  });

  it('is enabled only while the extension and its domain are', () => {
    const d = domain();
    const p = plan(present({ ...d, enabled: false }, [], [extension(d, '100')]));
    expect(changesOf(p, 'extension')[0]?.after.enabled).toBe(false);
    const q = plan(present(d, [], [extension(d, '101', [], { enabled: false })]));
    expect(changesOf(q, 'extension')[0]?.after.enabled).toBe(false);
  });

  it('keeps, disables and unlinks an extension gone upstream', () => {
    const d = domain();
    const ann = user(d, 'ann');
    const ext = extension(d, '100', [ann]);
    const store = applyInMemory(emptyStore(), plan(present(d, [ann], [ext])), `domain:${d.uuid}`);
    const p = plan(present(d, [ann], []), store);
    expect(changesOf(p, 'extension')).toEqual([expect.objectContaining({ action: 'disabled', after: { present: false, enabled: false, userId: null, linkSource: null } })]);
    expect(plan(present(d, [ann], []), applyInMemory(store, p)).changes).toEqual([]);
  });

  it('keeps a link an admin made while FusionPBX has none, and drops a sync link FusionPBX removed', () => {
    const d = domain();
    const ann = user(d, 'ann');
    const ext = extension(d, '100', [ann]);
    const store = applyInMemory(emptyStore(), plan(present(d, [ann], [ext])), `domain:${d.uuid}`);
    const unlinked = { ...ext, userUuids: [] };
    expect(changesOf(plan(present(d, [ann], [unlinked]), store), 'extension')[0]?.after).toEqual({ userId: null, linkSource: null });
    store.extensions[0]!.linkSource = 'admin';
    expect(changesOf(plan(present(d, [ann], [unlinked]), store), 'extension')).toEqual([]);
  });

  it('leaves fields the source cannot see as they are', () => {
    const d = domain();
    const ext = extension(d, '100', [], { numberAlias: '5100', callerIdName: 'Front' });
    const store = applyInMemory(emptyStore(), plan(present(d, [], [ext])), `domain:${d.uuid}`);
    const partial = { ...ext, numberAlias: undefined, callerIdName: undefined, userContext: undefined };
    expect(plan(present(d, [], [partial]), store).changes).toEqual([]);
  });

  it('keeps extensions of a domain the source refused, unless the domain is disabled', () => {
    const d = domain();
    const ann = user(d, 'ann');
    const store = applyInMemory(emptyStore(), plan(present(d, [ann], [extension(d, '100', [ann])])), `domain:${d.uuid}`);
    expect(plan({ state: 'unknown', domain: d, reason: '404', problems: [] }, store).changes).toEqual([]);
    const off = plan({ state: 'unknown', domain: { ...d, enabled: false }, reason: '404', problems: [] }, store);
    expect(changesOf(off, 'extension')[0]?.after).toEqual({ enabled: false });
    expect(changesOf(off, 'user')[0]?.after).toMatchObject({ status: 'disabled', disabledReason: 'domain disabled in FusionPBX' });
  });
});
