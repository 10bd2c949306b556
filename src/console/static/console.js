// The console's router: #/runs, #/runs/<id>, #/users, #/users/<id>, #/sync, #/health, #/login.
import { ApiError, api, session } from './api.js';
import { badge, facts, fill, go, guarded, h, problem, say, table, when } from './dom.js';
import { runPage, runsPage } from './runs.js';
import { userPage, usersPage } from './users.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
let stop = null;

const ROUTES = [
  [/^\/runs$/, runsPage],
  [/^\/runs\/([\w-]+)$/, runPage],
  [/^\/users$/, usersPage],
  [/^\/users\/([\w-]+)$/, userPage],
  [/^\/sync$/, syncPage],
  [/^\/health$/, healthPage],
];

async function route() {
  if (stop) stop();
  stop = null;
  const [path, search] = (location.hash.slice(1) || '/runs').split('?');
  const params = Object.fromEntries(new URLSearchParams(search ?? ''));
  nav.hidden = !session.token();
  for (const a of nav.querySelectorAll('a')) a.toggleAttribute('aria-current', path.startsWith(a.getAttribute('href').slice(1)));
  if (path === '/login' || !session.token()) return loginPage(params.reason);
  const match = ROUTES.find(([re]) => re.test(path));
  fill(main, h('p', { class: 'muted' }, 'Loading…'));
  try {
    if (!match) throw new ApiError(404, { code: 'NOT_FOUND', message: `no page ${path}` });
    const [, view] = match;
    stop = (await view(main, path.match(match[0]).slice(1), params)) ?? null;
  } catch (error) {
    if (error.status === 401) {
      session.clear();
      return go('/login', { reason: 'The token was refused: log in again.' });
    }
    fill(main, h('h1', {}, 'Something went wrong'), problem(error));
  }
  const heading = main.querySelector('h1');
  if (heading) document.title = `${heading.textContent} · fusionpbx-sync`;
  main.focus();
}


function loginPage(reason) {
  nav.hidden = true;
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true });
  const note = h('div');
  const form = h(
    'form',
    {
      class: 'row',
      onsubmit: guarded(note, async () => {
        session.set(input.value.trim());
        await api('GET', '/v1/health').catch((error) => {
          session.clear();
          throw error.status === 403 ? new ApiError(403, { code: 'FORBIDDEN', message: 'this token has no read scope: the console needs one to show anything' }) : error;
        });
        go('/runs');
        route();
      }),
    },
    h('label', { for: 'token' }, 'Admin token', input),
    h('button', { type: 'submit', class: 'primary' }, 'Log in'),
  );
  fill(main, 
    h('h1', {}, 'Log in'),
    h('p', {}, 'Type an admin token. It is kept in this browser tab only, and every page asks the API with it: a read token sees everything and changes nothing.'),
    reason ? h('div', { class: 'notice warn', role: 'alert' }, reason) : '',
    form,
    note,
  );
  input.focus();
}

async function syncPage() {
  const scope = h('select', { id: 'scope', name: 'scope' }, h('option', { value: 'all' }, 'every domain'), h('option', { value: 'domain' }, 'one domain'), h('option', { value: 'user' }, 'one user'));
  const target = h('input', { id: 'target', name: 'target', placeholder: 'acme.pbx.example.net, or alice@acme.pbx.example.net', size: 40 });
  const dry = h('input', { id: 'dry', type: 'checkbox', name: 'dryRun' });
  const note = h('div');
  const form = h(
    'form',
    {
      class: 'row',
      onsubmit: guarded(note, async () => {
        const body = { dryRun: dry.checked };
        if (scope.value !== 'all') body[scope.value] = target.value.trim();
        const started = await api('POST', '/v1/sync', body);
        say(started.created ? 'Run started' : 'A run of this scope was already live: following it');
        go(`/runs/${started.runId}`);
      }),
    },
    h('label', { for: 'scope' }, 'Sync', scope),
    h('label', { for: 'target' }, 'Domain or user (name or uuid)', target),
    h('label', { class: 'inline', for: 'dry' }, dry, 'Dry run: plan and record, write nothing'),
    h('button', { type: 'submit', class: 'primary' }, 'Start'),
  );
  fill(main, h('h1', {}, 'Sync now'), h('p', {}, 'A run of every domain, of one domain, or of one FusionPBX user (its uuid or username@domain, with a step-by-step trace). You follow it on its page.'), form, note);
}

async function healthPage(container) {
  const render = async () => {
    const health = await api('GET', '/v1/health');
    const nodes = health.freeswitch.nodes;
    fill(container, 
      h('h1', {}, 'Health'),
      facts([
        ['Version', health.version],
        ['Workers connected to the queue', health.workers ?? 'unknown (Redis?)'],
        ['Schedule', health.schedule ? `${health.schedule.pattern} (${health.schedule.timezone})` : 'none registered yet'],
        ['Next scheduled run', when(health.schedule?.nextTick)],
        ['Change polling', health.polling.seconds ? `every ${health.polling.seconds} s (${health.polling.source} source)` : 'off'],
      ]),
      h('h2', {}, 'This process'),
      table('Readiness checks', [{ label: 'check', cell: (r) => r[0] }, { label: 'state', cell: (r) => badge(r[1]) }], Object.entries(health.checks)),
      h('h2', {}, `FreeSWITCH (${health.freeswitch.method})`),
      nodes ? table('FreeSWITCH nodes', [{ label: 'node', cell: (n) => n.node }, { label: 'state', cell: (n) => badge(n.status) }, { label: 'detail', cell: (n) => n.detail }], nodes) : h('p', { class: 'muted' }, 'This probe is asked on each delete; it has no nodes to list.'),
      h('h2', {}, 'Queue'),
      health.queue ? table('Queue jobs by state', [{ label: 'state', cell: (r) => r[0] }, { label: 'jobs', cell: (r) => r[1] }], Object.entries(health.queue)) : h('p', { class: 'muted' }, 'Redis does not answer.'),
    );
  };
  await render();
  const timer = setInterval(() => render().catch(() => undefined), 5000);
  return () => clearInterval(timer);
}

document.getElementById('logout').addEventListener('click', () => {
  session.clear();
  go('/login');
});
window.addEventListener('hashchange', route);
route();
