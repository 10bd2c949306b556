import type { Knex } from 'knex';
import type { StandInChannel } from './freeswitch-stand-in.js';

/**
 * The actions of the FusionPBX REST API app (CakeDC/fusionpbx-rest-api) that this daemon calls,
 * as the app's own files implement them, over a FusionPBX database. Each mirrors one file:
 * `$required_params`, `$required_permissions` and `do_action()`, with the app's SQL, order,
 * fields (lib/fields.php) and answers, errors included. Read against:
 *   actions/domain-list.php@39651ba7, actions/user-list.php@5cc891f5, actions/user-details.php@5cc891f5,
 *   actions/extension-list.php@51362cef, actions/extension-user-list.php@5cc891f5,
 *   actions/call-list.php@d89cfd6a, lib/calls.php@33ec6cc4, lib/fields.php@e8c2f32a,
 *   lib/input_validation.php@1b46cc44 and tests/Unit/InputValidationTest.php (rest_api_parse_pagination).
 */

/** What `do_action()` returns: a body, or a body with the HTTP status rest.php answers it with. */
export type ActionResult = Record<string, unknown> & { code?: number };

export interface ActionContext {
  db: Knex;
  /** `$body` after rest.php resolved `domain_uuid` (lower-cased, or the key user's domain). */
  body: Record<string, unknown> & { domain_uuid: string };
  /** rest.php's context: whether the key's user has `domain_select`, and the user's own domain. */
  crossDomain: boolean;
  userDomainUuid: string;
  /** Builds that add `user_email` and `groups` to user-list (design.md §2). */
  withEmails: boolean;
  /** FreeSWITCH's `show channels` and `show calls` rows (every value a string, as FreeSWITCH gives them). */
  freeswitch: () => { channels: StandInChannel[]; calls: Array<Record<string, string>> };
}

export interface Action {
  params: string[];
  permissions: string[];
  run(context: ActionContext): Promise<ActionResult>;
}

/** FusionPBX's is_uuid() (resources/functions.php): 36 characters with dashes or 32 hex digits, any version. */
export function isPhpUuid(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (value.includes('-') && value.length === 36) return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
  return /^[0-9a-f]{32}$/i.test(value);
}

/** rest_api_parse_int(): an int, or digits, from min to max. */
function parseInt(value: unknown, min: number, max: number): number | false {
  const n = typeof value === 'string' && /^[0-9]{1,18}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : false;
}

/** rest_api_parse_pagination(): page 1..1000000 (default 1), per_page 1..200 (default 25). */
function pagination(body: Record<string, unknown>): [number, number] | ActionResult {
  const page = body.page == null ? 1 : parseInt(body.page, 1, 1_000_000);
  if (page === false) return { error: 'invalid page', code: 400 };
  const perPage = body.per_page == null ? 25 : parseInt(body.per_page, 1, 200);
  if (perPage === false) return { error: 'invalid per_page', code: 400 };
  return [page, perPage];
}

/** A paged list action: COUNT(*), then one page by the action's order; past the last page, no data. */
async function paged(
  context: ActionContext,
  table: string,
  where: string,
  bindings: Knex.RawBinding[],
  select: string,
  orderBy: string,
): Promise<{ rows: Array<Record<string, unknown>>; pagination: Record<string, number> } | { refused: ActionResult }> {
  const parsed = pagination(context.body);
  if (!Array.isArray(parsed)) return { refused: parsed };
  const [page, perPage] = parsed;
  const count = await context.db.raw<{ rows: Array<{ n: string }> }>(`select count(*) as n from ${table}${where}`, bindings);
  const info = { page, per_page: perPage, total: Number(count.rows[0]!.n) };
  const offset = (page - 1) * perPage;
  if (offset >= info.total) return { rows: [], pagination: info };
  const rows = await context.db.raw<{ rows: Array<Record<string, unknown>> }>(
    `select ${select} from ${table}${where} order by ${orderBy} limit ${perPage} offset ${offset}`,
    bindings,
  );
  return { rows: rows.rows, pagination: info };
}

/** PostgreSQL booleans reach PHP as true/false, FusionPBX 5.4's text flags as 'true'/'false': the format_* helpers. */
const isTrue = (v: unknown) => v === true || v === 1 || v === '1' || v === 't' || v === 'true';

// REST_API_USER_EXTENSION_FIELDS: the Extension of extension-list and extension-user-list.
const EXTENSION_FIELDS = 'extension_uuid, extension, domain_uuid, directory_first_name, directory_last_name, emergency_caller_id_number, outbound_caller_id_number, enabled';

function formatExtension(row: Record<string, unknown>): Record<string, unknown> {
  return { ...row, enabled: isTrue(row.enabled) };
}

export const ACTIONS: Record<string, Action> = {
  'domain-list': {
    params: [],
    permissions: ['domain_view'],
    // Every domain only for a user with domain_select; others get their own.
    async run(context) {
      const own = !context.crossDomain;
      const list = await paged(context, 'v_domains', own ? ' where domain_uuid = ?' : '', own ? [context.userDomainUuid] : [], 'domain_uuid, domain_name, domain_enabled', 'domain_name, domain_uuid');
      if ('refused' in list) return list.refused;
      return { data: list.rows.map((d) => ({ ...d, domain_enabled: isTrue(d.domain_enabled) })), pagination: list.pagination };
    },
  },

  'user-list': {
    params: [],
    permissions: ['user_view'],
    async run(context) {
      const extra = context.withEmails
        ? `, user_email, (select coalesce(array_agg(g.group_name order by g.group_name), '{}') from v_user_groups g where g.user_uuid = v_users.user_uuid) as groups`
        : '';
      const list = await paged(context, 'v_users', ' where domain_uuid = ?', [context.body.domain_uuid], `user_uuid, domain_uuid, username, user_enabled${extra}`, 'username, user_uuid');
      if ('refused' in list) return list.refused;
      return { data: list.rows.map((u) => ({ ...u, user_enabled: isTrue(u.user_enabled) })), pagination: list.pagination };
    },
  },

  'user-details': {
    params: ['user_uuid'],
    permissions: ['user_view'],
    async run({ db, body }) {
      if (!isPhpUuid(body.user_uuid)) return { error: 'invalid user_uuid', code: 400 };
      const rows = await db.raw<{ rows: Array<Record<string, unknown>> }>(
        'select user_uuid, domain_uuid, username, user_enabled from v_users where user_uuid = ? and domain_uuid = ?',
        [body.user_uuid.toLowerCase(), body.domain_uuid],
      );
      const user = rows.rows[0];
      if (!user) return { error: 'user not found', code: 404 };
      return { ...user, user_enabled: isTrue(user.user_enabled) };
    },
  },

  'extension-list': {
    params: [],
    permissions: ['extension_view'],
    // The page's extensions, each with the lowest user_uuid of its v_extension_users links. The link
    // query does not join v_users: a link left behind by a deleted user still names that user.
    async run(context) {
      const list = await paged(context, 'v_extensions', ' where domain_uuid = ?', [context.body.domain_uuid], EXTENSION_FIELDS, 'extension, extension_uuid');
      if ('refused' in list) return list.refused;
      const owners = new Map<string, string>();
      if (list.rows.length > 0) {
        const links = await context.db.raw<{ rows: Array<{ extension_uuid: string; user_uuid: string }> }>(
          'select extension_uuid, user_uuid from v_extension_users where domain_uuid = ? and extension_uuid = any(?::uuid[]) order by user_uuid',
          [context.body.domain_uuid, list.rows.map((e) => String(e.extension_uuid))],
        );
        for (const link of links.rows) if (!owners.has(link.extension_uuid)) owners.set(link.extension_uuid, link.user_uuid);
      }
      return { data: list.rows.map((e) => formatExtension({ ...e, user_uuid: owners.get(String(e.extension_uuid)) ?? null })), pagination: list.pagination };
    },
  },

  'extension-user-list': {
    params: ['user_uuid'],
    permissions: ['extension_view', 'user_view'],
    // One user's extensions, by number, each once; {"data": [...]} with no pagination.
    async run({ db, body }) {
      if (!isPhpUuid(body.user_uuid)) return { error: 'invalid user_uuid', code: 400 };
      const userUuid = body.user_uuid.toLowerCase();
      const users = await db.raw<{ rows: unknown[] }>('select user_uuid from v_users where user_uuid = ? and domain_uuid = ?', [userUuid, body.domain_uuid]);
      if (users.rows.length === 0) return { error: 'user not found', code: 404 };
      const fields = EXTENSION_FIELDS.split(', ').map((f) => `e.${f}`).join(', ');
      const rows = await db.raw<{ rows: Array<Record<string, unknown>> }>(
        `select distinct ${fields}, eu.user_uuid from v_extension_users eu left join v_extensions e on e.extension_uuid = eu.extension_uuid
         where eu.user_uuid = ? and e.domain_uuid = ? order by e.extension`,
        [userUuid, body.domain_uuid],
      );
      return { data: rows.rows.map(formatExtension) };
    },
  },

  'call-list': {
    params: [],
    permissions: ['call_active_view'],
    run: callList,
  },
};

/** Real action files of the app that the stand-in does not implement: they exist (not "unknown action"). */
export const OTHER_ACTIONS = new Set([
  'call-answer', 'call-hangup', 'call-hold', 'call-resume', 'call-transfer', 'call-transfer-attended', 'callcenter-agent-list',
  'callcenter-agent-state', 'callcenter-agent-status', 'callcenter-queue-list', 'callcenter-queue-status', 'cdr-details', 'cdr-list',
  'cdr-search', 'destination-create', 'destination-delete', 'destination-details', 'destination-list', 'destination-update',
  'domain-details', 'extension-create', 'extension-delete', 'extension-details', 'extension-update', 'originate',
  'recording-details', 'recording-download', 'ringgroup-create', 'ringgroup-delete', 'ringgroup-details', 'ringgroup-list', 'ringgroup-update',
]);

/** is_dial_number(): digits, * and # with an optional leading +. */
const isDialNumber = (v: unknown) => (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) && /^\+?[0-9*#]+$/.test(String(v));

/** rest_api_parse_list(): a JSON array or a comma-separated string of 1..100 distinct items. */
function parseList(value: unknown): string[] | false {
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || items.some((i) => typeof i !== 'string' && !(typeof i === 'number' && Number.isInteger(i)))) return false;
  const list = [...new Set(items.map((i) => String(i).trim()).filter((i) => i !== ''))];
  return list.length > 0 && list.length <= 100 ? list : false;
}

const STATES: Record<string, string> = { DOWN: 'ringing', DIALING: 'ringing', RINGING: 'ringing', EARLY: 'ringing', RING_WAIT: 'ringing', ACTIVE: 'answered', UNHELD: 'answered', HELD: 'held', HANGUP: 'ended' };

/**
 * call-list: the domain's channels from `show channels`, one item per call (the legs `show calls`
 * pairs), optionally only those of some extensions. A channel's domain is its context (after "@")
 * unless that is "public" or "default", else the domain of its presence_id. The app's consult-leg
 * check (`consulting`, an attended transfer in progress) is not modelled: `consulting` is null.
 */
async function callList({ db, body, freeswitch }: ActionContext): Promise<ActionResult> {
  let extensions: string[] | null = null;
  if (body.extension !== undefined && body.extension !== null) {
    const list = parseList(body.extension);
    if (list === false || !list.every(isDialNumber)) return { error: 'invalid extension', code: 400 };
    extensions = list;
  }
  const domain = await db.raw<{ rows: Array<{ domain_name: string }> }>('select domain_name from v_domains where domain_uuid = ?', [body.domain_uuid]);
  const domainName = domain.rows[0]?.domain_name ?? null;
  const { channels, calls } = freeswitch();
  const bridged = new Set<string>();
  const callOf = new Map<string, string>();
  for (const call of calls) {
    if (call.uuid && call.b_uuid) {
      bridged.add(call.uuid).add(call.b_uuid);
      callOf.set(call.b_uuid, call.uuid);
    }
  }
  const picked = new Map<string, { channel: StandInChannel; fit: number }>();
  for (const channel of channels) {
    const context = String(channel.context ?? '');
    const presence = String(channel.presence_id ?? '');
    const channelDomain = context !== '' && context !== 'public' && context !== 'default' ? (context.includes('@') ? context.split('@')[1] : context) : presence.includes('@') ? presence.split('@')[1] : null;
    if (channelDomain !== domainName) continue;
    const key = callOf.get(channel.uuid) ?? channel.uuid;
    let fit: number;
    if (extensions === null) fit = key === channel.uuid ? 1 : 0;
    else if (extensions.includes(presence.split('@')[0]!)) fit = 2;
    else if (extensions.includes(String(channel.cid_num ?? '')) || extensions.includes(String(channel.dest ?? ''))) fit = 1;
    else continue;
    const seen = picked.get(key);
    if (!seen || fit > seen.fit) picked.set(key, { channel, fit });
  }
  const data = [...picked.values()].map(({ channel }) => {
    const state = STATES[channel.callstate] ?? 'ringing';
    const cid = String(channel.cid_num ?? '');
    const dest = String(channel.dest ?? '');
    return {
      call_uuid: channel.uuid,
      domain_uuid: body.domain_uuid,
      state: state === 'answered' && bridged.has(channel.uuid) ? 'bridged' : state,
      caller_id_number: cid !== '' ? cid : null,
      destination_number: dest !== '' ? dest : null,
      consulting: null,
    };
  });
  return { data };
}
