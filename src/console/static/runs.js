// Runs: the list (newest first, live, filtered), and one run with its domains, changes, problems,
// trace, and, when quarantined, its plan beside the store's values now with approve and discard.
import { api, query } from './api.js';
import { badge, confirmAction, diff, duration, facts, fill, go, guarded, h, planSummary, say, show, table, when } from './dom.js';

const STATUSES = ['', 'queued', 'running', 'succeeded', 'failed', 'quarantined', 'discarded'];
const TRIGGERS = ['', 'schedule', 'poll', 'api', 'cli'];
const LIVE = ['queued', 'running'];

function select(id, label, options, value, onchange) {
  const el = h('select', { id, name: id, onchange }, options.map((o) => h('option', { value: o, selected: o === value }, o || 'any')));
  return h('label', { for: id }, label, el);
}

const scopeOf = (run) => (run.user ? `user ${run.user}` : run.domain ? `domain ${run.domain}` : run.scopeDomains ? `${run.scopeDomains.length} changed domain(s)` : 'every domain');
const users = (run) => ['created', 'updated', 'disabled'].map((k) => `${run.counts.users?.[k] ?? 0} ${k}`).join(', ');

export async function runsPage(container, _match, params) {
  const filter = { status: params.status, trigger: params.trigger };
  const list = h('div');
  const rows = [];
  let next = null;
  const columns = [
    { label: 'Queued', cell: (r) => h('a', { href: `#/runs/${r.id}` }, when(r.queuedAt)) },
    { label: 'Status', cell: (r) => badge(r.status) },
    { label: 'Trigger', cell: (r) => r.trigger + (r.dryRun ? ' (dry run)' : '') },
    { label: 'Scope', cell: scopeOf },
    { label: 'Duration', cell: duration },
    { label: 'Users', cell: users },
    { label: 'Why', cell: (r) => r.quarantineReason ?? r.error ?? '' },
  ];
  const render = () => fill(list, table('Sync runs, newest first', columns, rows, 'No run matches.'), next ? h('button', { type: 'button', onclick: older }, 'Older runs') : '');
  async function older() {
    const page = await api('GET', `/v1/sync/runs${query({ ...filter, limit: 25, cursor: next })}`);
    rows.push(...page.items);
    next = page.nextCursor;
    render();
  }
  async function refresh() {
    const page = await api('GET', `/v1/sync/runs${query({ ...filter, limit: Math.max(25, rows.length) })}`);
    rows.splice(0, rows.length, ...page.items);
    next = page.nextCursor;
    render();
  }
  const change = () => go('/runs', { status: container.querySelector('#status-filter').value, trigger: container.querySelector('#trigger-filter').value });
  fill(container, 
    h('h1', {}, 'Sync runs'),
    h('div', { class: 'filters' }, select('status-filter', 'Status', STATUSES, filter.status ?? '', change), select('trigger-filter', 'Trigger', TRIGGERS, filter.trigger ?? '', change), h('a', { href: '#/sync' }, 'Sync now…')),
    list,
  );
  await refresh();
  const timer = setInterval(() => refresh().catch(() => undefined), 3000);
  return () => clearInterval(timer);
}

export async function runPage(container, [id], params) {
  let timer = null;
  let last = null;
  const render = async () => {
    const run = await api('GET', `/v1/sync/runs/${id}${query({ limit: 50, entity: params.entity, kind: params.kind, changesCursor: params.changes, problemsCursor: params.problems })}`);
    if (last && last !== run.status) say(`The run is now ${run.status}`);
    last = run.status;
    fill(container, runView(run, params, render));
    // Followed while it is live (again after an approval), left alone once it has ended.
    if (LIVE.includes(run.status) && !timer) timer = setInterval(() => render().catch(() => undefined), 1500);
    if (!LIVE.includes(run.status) && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
  await render();
  return () => timer && clearInterval(timer);
}

function runView(run, params, rerender) {
  const groups = Object.keys(run.counts);
  const keys = [...new Set(groups.flatMap((g) => Object.keys(run.counts[g])))];
  return [
    h('h1', {}, `Run ${run.id.slice(0, 8)}… `, badge(run.status)),
    facts([
      ['Run', h('code', {}, run.id)],
      ['Trigger', `${run.trigger}${run.dryRun ? ', dry run: nothing is written' : ''}`],
      ['Scope', scopeOf(run)],
      ['Actor', run.actor],
      ['Queued / started / finished', `${when(run.queuedAt)} / ${when(run.startedAt)} / ${when(run.finishedAt)}`],
      ['Duration', duration(run)],
      ['Quarantine reason', run.quarantineReason ?? undefined],
      ['Error', run.error ?? undefined],
      ['Approved by', run.approvedBy ? `${run.approvedBy}, ${when(run.approvedAt)}` : undefined],
      ['Discarded by', run.discardedBy ? `${run.discardedBy}, ${when(run.discardedAt)}` : undefined],
    ]),
    h('h2', {}, 'Counts'),
    table('Counts by object', [{ label: 'object', cell: (g) => g }, ...keys.map((k) => ({ label: k, cell: (g) => run.counts[g][k] ?? 0 }))], groups, 'No object counted yet.'),
    run.status === 'quarantined' ? quarantine(run, rerender) : '',
    run.trace ? [h('h2', {}, 'Trace'), table('The steps of this one-user run', [{ label: 'step', cell: (t) => t.step }, { label: 'outcome', cell: (t) => t.outcome }, { label: 'detail', cell: (t) => t.detail }], run.trace)] : '',
    h('h2', {}, 'Domains'),
    table('Domains of the run', [{ label: 'domain', cell: (d) => h('code', {}, d.domain) }, { label: 'status', cell: (d) => badge(d.status) }, { label: 'users', cell: (d) => users(d) }, { label: 'error', cell: (d) => d.error ?? '' }], run.domains, 'No domain has a result yet.'),
    changes(run, params),
    problems(run, params),
  ];
}

function quarantine(run, rerender) {
  const note = h('div');
  const act = (verb) => async () => {
    const what = verb === 'approve' ? `Approving applies the kept plan: it will ${planSummary(run.counts)}. Each change is applied only where the store still holds what the plan saw.` : 'Discarding drops the plan: nothing will be applied, and the next run plans again.';
    if (!(await confirmAction(verb === 'approve' ? 'Approve this run?' : 'Discard this run?', what, verb === 'approve' ? 'Approve' : 'Discard'))) return;
    await guarded(note, async () => {
      await api('POST', `/v1/sync/runs/${run.id}/${verb}`);
      say(verb === 'approve' ? 'Approved: the plan is being applied' : 'Discarded');
      await rerender();
    })();
  };
  const planned = run.changes.filter((c) => !c.applied);
  return [
    h('div', { class: 'notice warn', role: 'note' }, h('strong', {}, 'Quarantined: '), run.quarantineReason, `. Nothing was applied. Approving would ${planSummary(run.counts)}.`),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: act('approve') }, 'Approve…'), h('button', { type: 'button', class: 'danger', onclick: act('discard') }, 'Discard…')),
    note,
    h('h2', {}, 'Planned changes beside the store now'),
    table(
      'Planned changes and the values the store holds now',
      [
        { label: 'object', cell: (c) => `${c.entity} ${c.action}` },
        { label: 'FusionPBX id', cell: (c) => h('code', {}, c.fusionpbxUuid ?? c.id) },
        { label: 'planned (before → after)', cell: (c) => diff(c.before, c.after) },
        { label: 'in the store now', cell: (c) => (c.current === null ? h('span', { class: 'muted' }, 'gone') : h('div', { class: 'diff' }, Object.entries(c.current ?? {}).map(([k, v]) => h('div', {}, `${k}: ${show(v)}`)))) },
      ],
      planned,
      'No planned change on this page.',
    ),
  ];
}

function changes(run, params) {
  const entity = (event) => go(`/runs/${run.id}`, { ...params, entity: event.target.value, changes: '' });
  return [
    h('h2', {}, 'Changes'),
    h('div', { class: 'filters' }, select('entity-filter', 'Object', ['', 'tenant', 'domain', 'user', 'extension'], params.entity ?? '', entity)),
    table('Changes of the run', [{ label: 'object', cell: (c) => `${c.entity} ${c.action}` }, { label: 'id', cell: (c) => h('code', {}, c.fusionpbxUuid ?? c.id) }, { label: 'before → after', cell: (c) => diff(c.before, c.after) }, { label: 'applied', cell: (c) => (c.applied ? 'yes' : 'no (planned)') }], run.changes, 'No change.'),
    run.nextChangesCursor ? h('button', { type: 'button', onclick: () => go(`/runs/${run.id}`, { ...params, changes: run.nextChangesCursor }) }, 'More changes') : '',
  ];
}

function problems(run, params) {
  const kind = (event) => go(`/runs/${run.id}`, { ...params, kind: event.target.value, problems: '' });
  return [
    h('h2', {}, 'Problems'),
    h('div', { class: 'filters' }, select('kind-filter', 'Kind', ['', 'conflict', 'error', 'warning'], params.kind ?? '', kind)),
    table('Problems of the run', [{ label: 'kind', cell: (p) => badge(p.kind) }, { label: 'object', cell: (p) => p.entity }, { label: 'FusionPBX id', cell: (p) => h('code', {}, p.fusionpbxUuid ?? '') }, { label: 'code', cell: (p) => p.code }, { label: 'message', cell: (p) => p.message }], run.problems, 'No problem.'),
    run.nextProblemsCursor ? h('button', { type: 'button', onclick: () => go(`/runs/${run.id}`, { ...params, problems: run.nextProblemsCursor }) }, 'More problems') : '',
  ];
}
