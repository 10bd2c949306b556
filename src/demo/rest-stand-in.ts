import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';

export interface StandInCall {
  call_uuid: string;
  domain_uuid: string;
  state: string;
  caller_id_number: string;
  destination_number: string;
  presence_id?: string;
}

export interface RestStandInOptions {
  /** The FusionPBX database it serves. */
  db: Knex;
  /** `key_uuid:secret` it accepts. */
  apiKey: string;
  /** Behave like the builds that add `user_email` and `groups` to user-list. */
  withEmails?: boolean;
  port?: number;
  calls?: () => StandInCall[];
  /** Fault injection for the chaos suite: answer 500, never answer, or cut the body short. */
  fault?: (call: { action: string; page: number; domain: string | null }) => RestFault | undefined;
}

export type RestFault = 'error' | 'hang' | 'truncate';

export interface RestStandIn {
  url: string;
  requests: number;
  close(): Promise<void>;
}

/**
 * A stand-in for the FusionPBX REST API app (the CakeDC dialect) over a FusionPBX database: for the
 * demo with FUSIONPBX_SOURCE=rest and for the benchmark. POST JSON `{action, page, per_page,
 * domain_uuid}`, HTTP Basic, `{data, pagination}` lists, 404 for the lists of a disabled domain.
 */
export async function startRestStandIn(options: RestStandInOptions): Promise<RestStandIn> {
  const expected = `Basic ${Buffer.from(options.apiKey).toString('base64')}`;
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    state.requests++;
    handle(req, res).catch((error: unknown) => send(res, 500, { error: 'internal', message: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || !req.url?.endsWith('/rest.php')) return send(res, 404, { error: 'not_found' });
    if (req.headers.authorization !== expected) return send(res, 401, { error: 'unauthorized' });
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    const page = Math.max(1, Number(body.page ?? 1));
    const perPage = Math.min(500, Math.max(1, Number(body.per_page ?? 25)));
    const domain = typeof body.domain_uuid === 'string' ? body.domain_uuid : null;
    if (domain && !(await domainEnabled(options.db, domain))) return send(res, 404, { error: 'not_found', message: 'domain not found or disabled' });
    const query = queries(options, domain)[String(body.action)];
    if (!query) return send(res, 400, { error: 'unknown_action' });
    const rows = await query();
    const answer = { data: rows.slice((page - 1) * perPage, page * perPage), pagination: { page, per_page: perPage, total: rows.length } };
    const fault = options.fault?.({ action: String(body.action), page, domain });
    if (fault === 'error') return send(res, 500, { error: 'internal', message: 'injected fault' });
    if (fault === 'hang') return; // never answers; close() cuts the connection
    if (fault === 'truncate') return sendTruncated(res, answer);
    send(res, 200, answer);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/app/rest_api/rest.php`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function queries(options: RestStandInOptions, domain: string | null): Record<string, () => Promise<Array<Record<string, unknown>>>> {
  const db = options.db;
  const rows = async (sql: string, bindings: unknown[] = []) => (await db.raw<{ rows: Array<Record<string, unknown>> }>(sql, bindings as Knex.RawBinding[])).rows;
  return {
    'domain-list': () => rows(`select domain_uuid, domain_name, domain_enabled from v_domains order by domain_name, domain_uuid`),
    'user-list': () =>
      rows(
        `select u.user_uuid, u.domain_uuid, u.username, u.user_enabled::text as user_enabled
           ${options.withEmails ? `, u.user_email, (select coalesce(array_agg(g.group_name order by g.group_name), '{}') from v_user_groups g where g.user_uuid = u.user_uuid) as groups` : ''}
         from v_users u where u.domain_uuid = ? order by u.username, u.user_uuid`,
        [domain],
      ),
    'extension-list': () =>
      rows(
        `select e.extension_uuid, e.extension, e.domain_uuid, e.directory_first_name, e.directory_last_name,
                e.emergency_caller_id_number, e.outbound_caller_id_number, (e.enabled::text in ('true', 't')) as enabled,
                (select min(eu.user_uuid::text) from v_extension_users eu join v_users u on u.user_uuid = eu.user_uuid
                  where eu.extension_uuid = e.extension_uuid) as user_uuid
         from v_extensions e where e.domain_uuid = ? order by e.extension, e.extension_uuid`,
        [domain],
      ),
    'extension-user-list': () =>
      rows(
        `select eu.extension_user_uuid, eu.extension_uuid, eu.user_uuid from v_extension_users eu
           join v_users u on u.user_uuid = eu.user_uuid
           join v_extensions e on e.extension_uuid = eu.extension_uuid
         where e.domain_uuid = ? order by eu.extension_user_uuid`,
        [domain],
      ),
    'call-list': async () => (options.calls?.() ?? []).filter((c) => !domain || c.domain_uuid === domain) as unknown as Array<Record<string, unknown>>,
  };
}

async function domainEnabled(db: Knex, domain: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(domain)) return false;
  const found = await db.raw<{ rows: unknown[] }>(`select 1 from v_domains where domain_uuid = ? and domain_enabled is true`, [domain]);
  return found.rows.length > 0;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Announces the whole body, sends half of it, and cuts the connection. */
function sendTruncated(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.write(text.slice(0, Math.floor(text.length / 2)), () => res.destroy());
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
