import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import type { StandInChannel } from './freeswitch-stand-in.js';
import { ACTIONS, OTHER_ACTIONS, isPhpUuid, type ActionResult } from './rest-stand-in-actions.js';

export interface RestStandInOptions {
  /** The FusionPBX database it serves. */
  db: Knex;
  /** `key_uuid:secret` it accepts (a key bound to an enabled user). */
  apiKey: string;
  /** The domain of the key's user; by default the first enabled domain by name when the stand-in starts. */
  keyDomainUuid?: string;
  /** The permissions of the key user's groups; by default every one the daemon needs, and domain_select. */
  permissions?: string[];
  /** Behave like the builds that add `user_email` and `groups` to user-list. */
  withEmails?: boolean;
  port?: number;
  /** FreeSWITCH's live channels and calls, as call-list reads them over the event socket. */
  channels?: () => StandInChannel[];
  calls?: () => Array<Record<string, string>>;
  /** Fault injection for the fault tests: answer 500, never answer, or cut the body short. */
  fault?: (call: { action: string; page: number; domain: string | null; body: Record<string, unknown> }) => RestFault | undefined;
}

export type RestFault = 'error' | 'hang' | 'truncate';

export interface RestStandIn {
  url: string;
  /** Requests received, in all and per action. */
  requests: number;
  actions: Map<string, number>;
  close(): Promise<void>;
}

/** What a key user the daemon needs may do (docs/fusionpbx.md, `rest`): domain_select lists every domain. */
export const DAEMON_PERMISSIONS = ['domain_view', 'domain_select', 'user_view', 'extension_view', 'call_active_view'];

/**
 * A stand-in for the FusionPBX REST API app, CakeDC/fusionpbx-rest-api, over a FusionPBX database:
 * the demo's REST source, the tests' and the benchmark's. It follows `rest.php@a3fef8c7` step by
 * step: HTTP Basic `key_uuid:secret` (401 `{"error":"unauthorized"}`, lib/auth.php), a JSON object
 * body, `action` required and a plain name of an action file ("unknown action"), `domain_uuid`
 * resolved by rest_api_resolve_domain() (lib/auth.php@5cc891f5: invalid 400, another domain without
 * domain_select 403, a missing or disabled one 404 `{"error":"domain not found"}`), the action's
 * permissions (403 with `missing_permissions`), then its required parameters (400 with
 * `missing_parameters`), then do_action(): an answer's `code` is its status. Like the app it sets no
 * JSON content type (PHP's default text/html) and json_encode()s with escaped slashes and unicode.
 * The actions are in rest-stand-in-actions.ts.
 */
export async function startRestStandIn(options: RestStandInOptions): Promise<RestStandIn> {
  const at = options.apiKey.indexOf(':');
  const app: StandInApp = {
    options,
    key: { uuid: options.apiKey.slice(0, at), secret: options.apiKey.slice(at + 1) },
    keyDomain: options.keyDomainUuid ?? (await firstEnabledDomain(options.db)),
    permissions: new Set(options.permissions ?? DAEMON_PERMISSIONS),
    requests: 0,
    actions: new Map<string, number>(),
  };
  const server = createServer((req, res) => {
    app.requests++;
    handle(app, req, res).catch((error: unknown) => send(res, 500, { error: 'internal', message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/app/rest_api/rest.php`,
    get requests() {
      return app.requests;
    },
    actions: app.actions,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface StandInApp {
  options: RestStandInOptions;
  key: { uuid: string; secret: string };
  keyDomain: string;
  permissions: Set<string>;
  requests: number;
  actions: Map<string, number>;
}

/** rest.php, step by step: the key, the body, the action, the domain, the permissions, the parameters, then do_action(). */
async function handle(app: StandInApp, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { options, key, keyDomain, permissions } = app;
  if (req.method !== 'POST' || !req.url?.endsWith('/rest.php')) return send(res, 404, '<html><body>Not Found</body></html>');
  const text = await readBody(req);
  const credentials = basicAuth(req.headers.authorization);
  if (!credentials || !isPhpUuid(credentials.user)) return send(res, 401, { error: 'unauthorized' });
  if (credentials.user.toLowerCase() !== key.uuid.toLowerCase() || credentials.password !== key.secret || !(await domainEnabled(options.db, keyDomain))) {
    return send(res, 401, { error: 'unauthorized' });
  }
  const body = parseObject(text);
  if (!body) return send(res, 400, { error: 'request body must be a JSON object' });
  if (phpEmpty(body.action)) return send(res, 400, { error: missing(['action']) });
  const name = typeof body.action === 'string' ? body.action.toLowerCase() : '';
  if (!/^[a-z0-9-]+$/.test(name) || !(name in ACTIONS || OTHER_ACTIONS.has(name))) return send(res, 400, { error: 'unknown action' });
  app.actions.set(name, (app.actions.get(name) ?? 0) + 1);
  const action = ACTIONS[name];
  if (!action) return send(res, 501, { error: `the REST stand-in does not implement ${name}` });
  const refused = await resolveDomain(app, body);
  if (refused) return send(res, refused.status, refused.body);
  const lacking = action.permissions.filter((p) => !permissions.has(p));
  if (lacking.length > 0) return send(res, 403, { error: 'forbidden', missing_permissions: lacking });
  const absent = action.params.filter((p) => phpEmpty(body[p]));
  if (absent.length > 0) return send(res, 400, { error: missing(absent) });

  const fault = options.fault?.({ action: name, page: Number(body.page ?? 1), domain: body.domain_uuid as string, body });
  if (fault === 'error') return send(res, 500, { error: 'database error' });
  if (fault === 'hang') return; // never answers; close() cuts the connection
  const result: ActionResult = await action.run({
    db: options.db,
    body: body as Record<string, unknown> & { domain_uuid: string },
    crossDomain: permissions.has('domain_select'),
    userDomainUuid: keyDomain,
    withEmails: options.withEmails ?? false,
    freeswitch: () => ({ channels: options.channels?.() ?? [], calls: options.calls?.() ?? [] }),
  });
  const { code, ...answer } = result;
  if (fault === 'truncate') return sendTruncated(res, answer);
  send(res, code ?? (answer.error ? 500 : 200), answer);
}

/** rest_api_resolve_domain(): the key user's domain by default; another needs domain_select and must exist, enabled. */
async function resolveDomain(app: StandInApp, body: Record<string, unknown>): Promise<{ status: number; body: unknown } | null> {
  if (phpEmpty(body.domain_uuid)) {
    body.domain_uuid = app.keyDomain;
    return null;
  }
  if (!isPhpUuid(body.domain_uuid)) return { status: 400, body: { error: 'invalid domain_uuid' } };
  const domain = body.domain_uuid.toLowerCase();
  body.domain_uuid = domain;
  if (domain === app.keyDomain) return null;
  if (!app.permissions.has('domain_select')) return { status: 403, body: { error: 'forbidden' } };
  if (!(await domainEnabled(app.options.db, domain))) return { status: 404, body: { error: 'domain not found' } };
  return null;
}

/** ensure_parameters()'s answer for missing parameters (lib/input_validation.php). */
function missing(params: string[]) {
  return { error: 'missing required parameter(s)', missing_parameters: params };
}

/** PHP's empty(): null, false, 0, "0", "" and [] are empty. */
function phpEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === false || value === 0 || value === '0' || value === '' || (Array.isArray(value) && value.length === 0);
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function basicAuth(header: string | undefined): { user: string; password: string } | null {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function firstEnabledDomain(db: Knex): Promise<string> {
  const row = await db.raw<{ rows: Array<{ domain_uuid: string }> }>(
    `select domain_uuid::text from v_domains where domain_enabled::text in ('true', 't') order by domain_name, domain_uuid limit 1`,
  );
  if (!row.rows[0]) throw new Error('the REST stand-in needs an enabled domain for its key user');
  return row.rows[0].domain_uuid;
}

async function domainEnabled(db: Knex, domainUuid: string): Promise<boolean> {
  const found = await db.raw<{ rows: unknown[] }>(`select 1 from v_domains where domain_uuid = ? and domain_enabled::text in ('true', 't')`, [domainUuid]);
  return found.rows.length > 0;
}

/** PHP's json_encode(): "/" and non-ASCII characters escaped. */
function phpJson(body: unknown): string {
  return JSON.stringify(body)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : phpJson(body);
  res.writeHead(status, { 'content-type': 'text/html; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Announces the whole body, sends half of it, and cuts the connection. */
function sendTruncated(res: ServerResponse, body: unknown): void {
  const text = phpJson(body);
  res.writeHead(200, { 'content-type': 'text/html; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
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
