// Users: search as the API does, and one user with extensions, status, activation log and history,
// with enable, disable (until a time), edit, and delete (the call guard's refusal shown plainly).
import { api, query } from './api.js';
import { badge, confirmAction, diff, facts, fill, go, guarded, h, say, table, when } from './dom.js';

const ROLES = ['', 'user', 'admin', 'superadmin'];

function field(id, label, control) {
  control.id = id;
  control.name = id;
  return h('label', { for: id }, label, control);
}

const options = (values, value, names = {}) => values.map((v) => h('option', { value: v, selected: v === (value ?? '') }, names[v] ?? (v || 'any')));
const name = (u) => [u.firstName, u.lastName].filter(Boolean).join(' ') || '—';

export async function usersPage(container, _match, params) {
  const tenants = (await api('GET', '/v1/tenants?limit=500')).items;
  const tenantNames = Object.fromEntries(tenants.map((t) => [t.id, t.name]));
  const q = h('input', { type: 'search', value: params.q ?? '', placeholder: 'part of an email or a name' });
  const tenant = h('select', {}, options(['', ...tenants.map((t) => t.id)], params.tenant, tenantNames));
  const role = h('select', {}, options(ROLES, params.role));
  const status = h('select', {}, options(['', 'enabled', 'disabled'], params.status));
  const source = h('select', {}, options(['', 'fusionpbx', 'manual'], params.source));
  const form = h(
    'form',
    { class: 'row', role: 'search', onsubmit: (e) => (e.preventDefault(), go('/users', { q: q.value.trim(), tenant: tenant.value, role: role.value, status: status.value, source: source.value })) },
    field('q', 'Search', q), field('tenant', 'Tenant', tenant), field('role', 'Role', role), field('status', 'Status', status), field('source', 'Source', source),
    h('button', { type: 'submit', class: 'primary' }, 'Search'),
  );
  const rows = [];
  const list = h('div');
  let next = null;
  const columns = [
    { label: 'Email', cell: (u) => h('a', { href: `#/users/${u.id}` }, u.email ?? '(no email)') },
    { label: 'Name', cell: name },
    { label: 'Tenant', cell: (u) => tenantNames[u.tenantId] ?? u.tenantId },
    { label: 'Role', cell: (u) => u.role },
    { label: 'Status', cell: (u) => badge(u.status) },
    { label: 'Source', cell: (u) => u.source },
    { label: 'Extensions', cell: (u) => u.extensions.map((e) => e.number).join(', ') },
  ];
  const more = async () => {
    const page = await api('GET', `/v1/users${query({ q: params.q, tenant: params.tenant, role: params.role, status: params.status, source: params.source, limit: 50, cursor: next })}`);
    rows.push(...page.items);
    next = page.nextCursor;
    fill(list, table('Users found', columns, rows, 'No user matches.'), next ? h('button', { type: 'button', onclick: more }, 'More users') : '');
  };
  fill(container, h('h1', {}, 'Users'), form, list);
  await more();
}

export async function userPage(container, [id]) {
  const note = h('div');
  const render = async () => {
    const [user, log, history] = await Promise.all([api('GET', `/v1/users/${id}`), api('GET', `/v1/users/${id}/activation-log?limit=100`), api('GET', `/v1/users/${id}/changes?limit=100`)]);
    fill(container, 
      h('h1', {}, user.email ?? name(user), ' ', badge(user.status)),
      facts([
        ['Name', name(user)],
        ['Role', user.role],
        ['Source', user.source === 'fusionpbx' ? `FusionPBX (${user.username ?? ''}, ${user.fusionpbxUserUuid})` : 'manual'],
        ['Status', user.status === 'disabled' ? `disabled by ${user.disabledBy ?? '?'}${user.disabledReason ? `: ${user.disabledReason}` : ''}${user.disabledUntil ? `, until ${when(user.disabledUntil)}` : ''}` : 'enabled'],
        ['Extensions', user.extensions.map((e) => e.number).join(', ') || 'none'],
        ['Last login', when(user.lastLoginAt)],
      ]),
      note,
      actions(user, note, render),
      h('h2', {}, 'Activation log'),
      table('Enables and disables', [{ label: 'when', cell: (a) => when(a.at) }, { label: 'action', cell: (a) => a.action }, { label: 'reason', cell: (a) => a.reason ?? '' }, { label: 'until', cell: (a) => when(a.until) }, { label: 'by', cell: (a) => a.actor }], log.items, 'Never enabled or disabled.'),
      h('h2', {}, 'History'),
      table('Changes, by the sync and by admins', [{ label: 'when', cell: (c) => when(c.at) }, { label: 'by', cell: (c) => c.actor }, { label: 'action', cell: (c) => c.action }, { label: 'before → after', cell: (c) => diff(c.before, c.after) }], history.items, 'No change recorded.'),
    );
  };
  await render();
}

function actions(user, note, rerender) {
  const attempt = (work, done) =>
    guarded(note, async () => {
      await work();
      say(done);
      await rerender();
      fill(note, h('div', { class: 'notice', role: 'status' }, done));
    });
  const reason = h('input', { placeholder: 'on leave' });
  const until = h('input', { type: 'datetime-local' });
  const disable = h(
    'form',
    { class: 'row', onsubmit: attempt(() => api('POST', `/v1/users/${user.id}/disable`, { ...(reason.value ? { reason: reason.value } : {}), ...(until.value ? { until: new Date(until.value).toISOString() } : {}) }), 'User disabled') },
    field('disable-reason', 'Reason', reason), field('disable-until', 'Until (optional: enabled again then)', until), h('button', { type: 'submit' }, 'Disable'),
  );
  const roleSelect = h('select', {}, options(ROLES.slice(1), user.role));
  const edits = [field('edit-role', 'Role', roleSelect)];
  const owned = {};
  if (user.source === 'manual') {
    for (const [key, label] of [['email', 'Email'], ['firstName', 'First name'], ['lastName', 'Last name']]) {
      owned[key] = h('input', { value: user[key] ?? '' });
      edits.push(field(`edit-${key}`, label, owned[key]));
    }
  }
  const password = h('input', { type: 'password', autocomplete: 'new-password' });
  edits.push(field('edit-password', 'New password (optional)', password));
  const edit = h(
    'form',
    {
      class: 'row',
      onsubmit: attempt(() => {
        const body = {};
        if (roleSelect.value !== user.role) body.role = roleSelect.value;
        for (const [key, input] of Object.entries(owned)) if (input.value !== (user[key] ?? '')) body[key] = key === 'email' ? input.value : input.value || null;
        if (password.value) body.password = password.value;
        return api('PATCH', `/v1/users/${user.id}`, body);
      }, 'User saved'),
    },
    edits,
    h('button', { type: 'submit' }, 'Save'),
  );
  const remove = async () => {
    if (!(await confirmAction('Delete this user?', `${user.email ?? 'The user'} will be deleted${user.source === 'fusionpbx' ? ', and not recreated by the sync until the exclusion is lifted' : ''}. The call guard asks FreeSWITCH first.`, 'Delete'))) return;
    await guarded(note, async () => {
      await api('DELETE', `/v1/users/${user.id}`);
      say('User deleted');
      go('/users');
    })();
  };
  return [
    h('h2', {}, 'Actions'),
    h('div', { class: 'actions' }, user.status === 'disabled' ? h('button', { type: 'button', onclick: attempt(() => api('POST', `/v1/users/${user.id}/enable`, {}), 'User enabled') }, 'Enable') : '', h('button', { type: 'button', class: 'danger', onclick: remove }, 'Delete…')),
    user.status === 'enabled' ? disable : '',
    h('h3', {}, 'Edit'),
    user.source === 'fusionpbx' ? h('p', { class: 'muted' }, 'FusionPBX owns the email, names, tenant and extensions of a synced user: change them there.') : '',
    edit,
  ];
}
