// Building the page without innerHTML: every value from the API goes in as text.

/** An element: h('a', { href: '#/x' }, 'text', child...). `on*` attributes are listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  el.append(...nodes(children));
  return el;
}

/** Children as nodes, nested lists flattened, nothing for null, undefined, false or ''. */
function nodes(children) {
  return children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false && c !== '').map((c) => (c instanceof Node ? c : String(c)));
}

/** Replaces what an element shows. */
export function fill(el, ...children) {
  el.replaceChildren(...nodes(children));
}

/** A table: columns [{ label, cell(row) }], in a wrapper that scrolls sideways on a narrow screen. */
export function table(caption, columns, rows, empty = 'Nothing here.') {
  if (rows.length === 0) return h('p', { class: 'muted' }, empty);
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', {}, h('caption', { class: 'visually-hidden' }, caption), h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))), h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => h('td', {}, c.cell(r))))))),
  );
}

export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== undefined).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

export const badge = (state) => h('span', { class: `badge s-${state}` }, state);

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

export function duration(run) {
  if (!run.startedAt) return '—';
  const ms = Date.parse(run.finishedAt ?? new Date().toISOString()) - Date.parse(run.startedAt);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A field's change, before -> after, as the change log has it. */
export function diff(before, after) {
  const keys = Object.keys(after ?? {});
  if (keys.length === 0) return h('span', { class: 'muted' }, '—');
  return h('div', { class: 'diff' }, keys.map((k) => h('div', {}, `${k}: `, before && k in before ? [h('del', {}, show(before[k])), ' → '] : '', h('ins', {}, show(after[k])))));
}

export function show(value) {
  return value === null || value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value);
}

/** What approving a run would do, from its counts: "disable 8 users, create 2 extensions". */
export function planSummary(counts) {
  const verbs = { created: 'create', updated: 'update', linked: 'link', enabled: 'enable', disabled: 'disable' };
  const parts = [];
  for (const [group, keys] of Object.entries(counts ?? {})) {
    for (const [key, verb] of Object.entries(verbs)) if (keys[key]) parts.push(`${verb} ${keys[key]} ${keys[key] === 1 ? group.replace(/s$/, '') : group}`);
  }
  return parts.length ? parts.join(', ') : 'change nothing';
}

/** Asks before an action, in a modal dialog that names what will happen; resolves true to go on. */
export function confirmAction(title, text, label) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { 'aria-labelledby': 'confirm-title' }, h('h2', { id: 'confirm-title' }, title), h('p', {}, text));
    const done = (ok) => () => {
      dialog.close();
      dialog.remove();
      resolve(ok);
    };
    dialog.append(h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: done(true) }, label), h('button', { type: 'button', onclick: done(false) }, 'Cancel')));
    dialog.addEventListener('cancel', done(false));
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** An error as the API said it, in a region screen readers announce. */
export function problem(error) {
  const lacking = error.status === 403 ? ' (this token may read, but not do this)' : '';
  return h('div', { class: 'notice error', role: 'alert' }, h('strong', {}, error.code ?? 'Error'), ': ', error.message, lacking);
}

/** A form's or button's handler: runs the work, and shows the API's refusal in `note` when it fails. */
export function guarded(note, work) {
  return async (event) => {
    event?.preventDefault?.();
    fill(note);
    try {
      await work();
    } catch (error) {
      fill(note, problem(error));
    }
  };
}

export function say(text) {
  document.getElementById('status').textContent = text;
}

/** Goes to a console page. */
export function go(path, params = {}) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v));
  location.hash = `#${path}${q.toString() ? `?${q}` : ''}`;
}
