import { describe, expect, it } from 'vitest';
import { parseMapping } from '../../src/config/mapping-file.js';
import { applyInMemory, changesOf, domain, emptyStore, extension, plan, present, user } from '../helpers/planner-builders.js';

describe('planner: domains and tenants', () => {
  it('creates one tenant per domain, named after it, with the domain row', () => {
    const d = domain('acme.example.net');
    const p = plan(present(d, [user(d, 'alice')]));
    const [tenant] = changesOf(p, 'tenant', 'created');
    expect(tenant?.after).toMatchObject({ name: 'acme.example.net', enabled: true, syncKey: `domain:${d.uuid}` });
    expect(changesOf(p, 'domain', 'created')[0]?.after).toMatchObject({ fusionpbxDomainUuid: d.uuid, tenantId: tenant!.id, present: true });
    expect(changesOf(p, 'user', 'created')[0]?.after.tenantId).toBe(tenant!.id);
    expect(p.counts.tenants?.created).toBe(1);
  });

  it('renames the tenant when the domain is renamed: same tenant, no new rows', () => {
    const d = domain('old.example.net');
    const alice = user(d, 'alice');
    const first = plan(present(d, [alice], [extension(d, '101', [alice])]));
    const store = applyInMemory(emptyStore(), first, `domain:${d.uuid}`);
    const renamed = { ...d, name: 'new.example.net' };
    const p = plan(present(renamed, [{ ...alice, domainUuid: d.uuid }], [extension(renamed, '101', [alice], { uuid: first.changes.find((c) => c.entity === 'extension')!.fusionpbxUuid! })]), store);
    expect(changesOf(p, 'tenant')).toEqual([expect.objectContaining({ action: 'updated', id: store.tenant!.id, before: { name: 'old.example.net' }, after: { name: 'new.example.net' } })]);
    expect(changesOf(p, 'domain', 'updated')[0]?.after).toEqual({ name: 'new.example.net' });
    expect(p.changes.filter((c) => c.action === 'created')).toEqual([]);
  });

  it('sends two mapped domains to one tenant, created once', () => {
    const a = domain('a.example.net');
    const b = domain('b.example.net');
    const mapping = parseMapping({ tenants: [{ key: 'group', name: 'Group Inc', domains: ['a.example.net', b.uuid] }] }, 'test');
    const pa = plan(present(a, [user(a, 'ann')]), emptyStore(), undefined, mapping);
    const store = applyInMemory(emptyStore(), pa, 'mapping:group');
    store.domains = store.domains.filter((x) => x.fusionpbxDomainUuid === a.uuid);
    const pb = plan(present(b, [user(b, 'bob')]), { ...store, users: [], extensions: [] }, undefined, mapping);
    expect(changesOf(pb, 'tenant', 'created')).toEqual([]);
    expect(changesOf(pb, 'domain', 'created')[0]?.after.tenantId).toBe(store.tenant!.id);
    expect(changesOf(pb, 'user', 'created')[0]?.after.tenantId).toBe(store.tenant!.id);
    expect(pa.changes.find((c) => c.entity === 'tenant')?.after.name).toBe('Group Inc');
  });

  it('disables the tenant with its domain, and enables both again', () => {
    const d = domain('acme.example.net');
    const store = applyInMemory(emptyStore(), plan(present(d, [user(d, 'alice')])), `domain:${d.uuid}`);
    const off = plan(present({ ...d, enabled: false }, [user(d, 'alice', { uuid: store.users[0]!.fusionpbxUserUuid! })]), store);
    expect(changesOf(off, 'tenant', 'disabled')).toHaveLength(1);
    expect(changesOf(off, 'user', 'disabled')[0]?.after).toMatchObject({ status: 'disabled', disabledBy: 'sync', disabledReason: 'domain disabled in FusionPBX' });
    const disabledStore = applyInMemory(store, off);
    const on = plan(present(d, [user(d, 'alice', { uuid: store.users[0]!.fusionpbxUserUuid! })]), disabledStore);
    expect(changesOf(on, 'tenant', 'enabled')).toHaveLength(1);
    expect(changesOf(on, 'user', 'enabled')[0]?.after).toMatchObject({ status: 'enabled', disabledBy: null, disabledReason: null });
  });

  it('keeps a merged tenant enabled while another of its domains is enabled', () => {
    const a = domain('a.example.net');
    const b = domain('b.example.net');
    const mapping = parseMapping({ tenants: [{ key: 'group', name: 'Group', domains: [a.uuid, b.uuid] }] }, 'test');
    const store = applyInMemory(emptyStore(), plan(present(a, []), emptyStore(), undefined, mapping), 'mapping:group');
    store.domains.push({ fusionpbxDomainUuid: b.uuid, tenantId: store.tenant!.id, name: b.name, enabled: true, present: true });
    const p = plan(present({ ...a, enabled: false }, []), store, undefined, mapping);
    expect(changesOf(p, 'tenant')).toEqual([]);
    expect(changesOf(p, 'domain', 'disabled')).toHaveLength(1);
  });

  it('marks a domain gone from FusionPBX as not present and disables its users and tenant', () => {
    const d = domain('gone.example.net');
    const store = applyInMemory(emptyStore(), plan(present(d, [user(d, 'alice')], [extension(d, '101')])), `domain:${d.uuid}`);
    const p = plan({ state: 'absent', domainUuid: d.uuid, problems: [] }, store);
    expect(changesOf(p, 'domain', 'disabled')[0]?.after).toEqual({ present: false, enabled: false });
    expect(changesOf(p, 'tenant', 'disabled')).toHaveLength(1);
    expect(changesOf(p, 'user', 'disabled')[0]?.after.disabledReason).toBe('domain removed from FusionPBX');
    expect(changesOf(p, 'extension', 'disabled')[0]?.after).toMatchObject({ present: false, enabled: false });
  });
});
