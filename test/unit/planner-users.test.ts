import { describe, expect, it } from 'vitest';
import { parseMapping } from '../../src/config/mapping-file.js';
import { desiredStatus, syncDisableReason } from '../../src/sync/planner/status-rules.js';
import { applyInMemory, changesOf, domain, emptyStore, extension, manualUser, plan, present, user } from '../helpers/planner-builders.js';

function synced(d: ReturnType<typeof domain>, users: ReturnType<typeof user>[]) {
  return applyInMemory(emptyStore(), plan(present(d, users)), `domain:${d.uuid}`);
}

describe('planner: user fields and status', () => {
  it('takes names from the contact, else from the first extension directory names', () => {
    const d = domain();
    const withContact = user(d, 'ann', { firstName: 'Ann', lastName: 'Lee' });
    const noContact = user(d, 'ben', { firstName: null, lastName: null });
    const p = plan(present(d, [withContact, noContact], [extension(d, '201', [noContact], { firstName: 'Benjamin', lastName: 'Ng' }), extension(d, '200', [withContact], { firstName: 'X', lastName: 'Y' })]));
    const byUuid = (u: { uuid: string }) => changesOf(p, 'user').find((c) => c.fusionpbxUuid === u.uuid)!.after;
    expect(byUuid(withContact)).toMatchObject({ firstName: 'Ann', lastName: 'Lee' });
    expect(byUuid(noContact)).toMatchObject({ firstName: 'Benjamin', lastName: 'Ng' });
  });

  it('updates fields FusionPBX owns; a second plan over the result changes nothing', () => {
    const d = domain();
    const ann = user(d, 'ann');
    const store = synced(d, [ann]);
    const p = plan(present(d, [{ ...ann, lastName: 'Smith', email: 'ann.smith@example.com' }]), store);
    expect(changesOf(p, 'user', 'updated')[0]).toMatchObject({ before: { lastName: 'Doe', email: 'ann@example.com' }, after: { lastName: 'Smith', email: 'ann.smith@example.com' } });
    const again = plan(present(d, [{ ...ann, lastName: 'Smith', email: 'ann.smith@example.com' }]), applyInMemory(store, p));
    expect(again.changes).toEqual([]);
    expect(again.counts.users?.unchanged).toBe(1);
  });

  it('keeps a local role change until FusionPBX groups change', () => {
    const d = domain();
    const ann = user(d, 'ann', { groups: ['user'] });
    const store = synced(d, [ann]);
    store.users[0]!.role = 'admin'; // an admin promoted her locally
    expect(plan(present(d, [ann]), store).changes).toEqual([]);
    const promoted = plan(present(d, [{ ...ann, groups: ['superadmin', 'user'] }]), store);
    expect(changesOf(promoted, 'user')[0]?.after).toEqual({ role: 'superadmin', upstreamRole: 'superadmin' });
  });

  it('maps groups to roles as configured, highest wins', () => {
    const d = domain();
    const mapping = parseMapping({ roles: { supervisor: 'admin', superadmin: 'superadmin' } }, 'test');
    const sup = user(d, 'sup', { groups: ['agent', 'supervisor'] });
    const adminByDefault = user(d, 'adm', { groups: ['admin'] });
    const p = plan(present(d, [sup, adminByDefault]), emptyStore(), undefined, mapping);
    const role = (u: { uuid: string }) => changesOf(p, 'user').find((c) => c.fusionpbxUuid === u.uuid)!.after.role;
    expect(role(sup)).toBe('admin');
    expect(role(adminByDefault)).toBe('user'); // the custom map replaced the default one
  });

  it('disables a user removed upstream with a reason (never deletes), and enables it when it comes back', () => {
    const d = domain();
    const ann = user(d, 'ann');
    const bob = user(d, 'bob');
    const store = synced(d, [ann, bob]);
    const removed = plan(present(d, [ann]), store);
    expect(changesOf(removed, 'user')).toEqual([
      expect.objectContaining({ action: 'disabled', fusionpbxUuid: bob.uuid, after: { status: 'disabled', disabledBy: 'sync', disabledReason: 'removed from FusionPBX' } }),
    ]);
    expect(removed.changes.some((c) => c.action === 'deleted')).toBe(false);
    const back = plan(present(d, [ann, bob]), applyInMemory(store, removed));
    expect(changesOf(back, 'user', 'enabled')[0]?.fusionpbxUuid).toBe(bob.uuid);
  });

  it('leaves a user an admin disabled alone, whatever FusionPBX says', () => {
    const d = domain();
    const ann = user(d, 'ann');
    const store = synced(d, [ann]);
    Object.assign(store.users[0]!, { status: 'disabled', disabledBy: 'admin', disabledReason: 'left the company' });
    expect(plan(present(d, [ann]), store).changes).toEqual([]);
    expect(plan(present(d, []), store).changes).toEqual([]);
  });

  it('follows user_enabled: disabled in FusionPBX disables here, with its own reason', () => {
    const d = domain();
    const ann = user(d, 'ann');
    const store = synced(d, [ann]);
    const p = plan(present(d, [{ ...ann, enabled: false }]), store);
    expect(changesOf(p, 'user', 'disabled')[0]?.after.disabledReason).toBe('disabled in FusionPBX');
  });

  it('never disables a user whose row could not be read this run', () => {
    const d = domain();
    const ann = user(d, 'ann');
    const store = synced(d, [ann]);
    const p = plan(present(d, [], [], { unreadableUserUuids: [ann.uuid] }), store);
    expect(changesOf(p, 'user')).toEqual([]);
  });

  it('never touches manual users of the tenant that match nothing', () => {
    const d = domain();
    const store = synced(d, [user(d, 'ann')]);
    store.users.push(manualUser(store.tenant!.id, { email: 'someone@example.com' }));
    expect(plan(present(d, []), store).changes.filter((c) => c.entity === 'user' && c.after.source === undefined && c.id === store.users[1]!.id)).toEqual([]);
    expect(changesOf(plan(present(d, []), store), 'user').map((c) => c.id)).toEqual([store.users[0]!.id]);
  });

  it('has one status rule for planner and guard', () => {
    expect(syncDisableReason({ state: 'present', enabled: true }, { found: true, enabled: true })).toBeNull();
    expect(syncDisableReason({ state: 'present', enabled: true }, { found: false })).toBe('removed from FusionPBX');
    expect(syncDisableReason({ state: 'present', enabled: false }, { found: true, enabled: true })).toBe('domain disabled in FusionPBX');
    expect(syncDisableReason({ state: 'unknown', enabled: true }, { found: false })).toBeUndefined();
    expect(syncDisableReason({ state: 'absent', enabled: false }, { found: false })).toBe('domain removed from FusionPBX');
    const admin = manualUser('t', { status: 'disabled', disabledBy: 'admin' });
    expect(desiredStatus(admin, null)).toEqual({});
    expect(desiredStatus(admin, 'removed from FusionPBX')).toEqual({});
    expect(desiredStatus(manualUser('t', { status: 'disabled', disabledBy: 'sync', disabledReason: 'x' }), null)).toMatchObject({ status: 'enabled' });
  });
});
