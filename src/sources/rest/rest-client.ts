import type { AxiosInstance, AxiosResponse } from 'axios';
import type { RestSettings } from '../../config/config.js';
import { deadline, transportProblem } from '../../common/http.js';
import { z } from 'zod';
import { withRetries } from '../../common/retry.js';
import { Semaphore } from '../../common/semaphore.js';
import { SourceError } from '../../errors/sync-errors.js';
import type { Metrics } from '../../observability/metrics.js';

/** The REST settings of the configuration (FUSIONPBX_API_*), and the base delay of its retries. */
export type RestClientOptions = Omit<RestSettings, 'links'> & { retryDelayMs?: number };

/**
 * The REST app's list answers (CakeDC/fusionpbx-rest-api): a paged action answers
 * `{"data": [...], "pagination": {"page", "per_page", "total"}}` (actions/domain-list.php,
 * user-list.php, extension-list.php); a per-user or live list answers `{"data": [...]}` whole
 * (actions/extension-user-list.php, call-list.php). Anything else is not this dialect.
 */
const listAnswer = z.object({
  data: z.array(z.unknown()),
  pagination: z.object({ page: z.coerce.number(), per_page: z.coerce.number(), total: z.coerce.number().int().min(0) }).loose().optional(),
});

/** The app bounds `per_page` to 1..200 (rest_api_parse_pagination in lib/input_validation.php). */
export const MAX_PAGE_SIZE = 200;

/** A listing whose total moved between its pages is read again from the first page, at most this often. */
const RELISTS = 3;

/** The REST app's endpoint from FUSIONPBX_API_URL. */
export function restEndpoint(url: string): string {
  const u = new URL(url);
  if (!u.pathname.endsWith('.php')) u.pathname = `${u.pathname.replace(/\/+$/, '')}/app/rest_api/rest.php`;
  return u.toString();
}

/** The URL as it may appear in a message: no credentials, no query. */
function printableUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/**
 * The FusionPBX REST API app dialect: `POST <endpoint>` with a JSON body naming the `action`, HTTP
 * Basic `key_uuid:secret`, `page`/`per_page` paging. Retries timeouts, connection errors, 5xx and
 * 429 (honouring Retry-After) with backoff and jitter; never another 4xx. Every error leaving here
 * is a SourceError with the action, status and a short body, never headers or the axios object.
 */
export class RestClient {
  private readonly endpoint: string;
  private readonly auth: { username: string; password: string };
  private readonly semaphore: Semaphore;

  constructor(
    private readonly http: AxiosInstance,
    private readonly options: RestClientOptions,
    private readonly metrics?: Metrics,
  ) {
    this.endpoint = restEndpoint(options.url);
    const at = options.apiKey.indexOf(':');
    this.auth = { username: options.apiKey.slice(0, at), password: options.apiKey.slice(at + 1) };
    this.semaphore = new Semaphore(options.concurrency);
  }

  /**
   * Every row of a list action: page by page until the announced total when the action pages, the
   * one answer when it does not. Offset paging shifts rows when FusionPBX changes meanwhile, so a
   * total that moves between pages means the pages may have skipped a row: the listing starts
   * again rather than report a user missing who is not.
   */
  async list(action: string, params: Record<string, unknown> = {}): Promise<unknown[]> {
    for (let attempt = 1; ; attempt++) {
      const rows = await this.listOnce(action, params);
      if (rows) return rows;
      if (attempt >= RELISTS) throw new SourceError('bad_response', `${action}: its total changed while it was paged, ${RELISTS} times in a row (FusionPBX is being edited); try again later`);
    }
  }

  /** One pass over a listing; null when its total moved between pages. */
  private async listOnce(action: string, params: Record<string, unknown>): Promise<unknown[] | null> {
    const rows: unknown[] = [];
    const perPage = Math.min(this.options.pageSize, MAX_PAGE_SIZE);
    let total: number | undefined;
    for (let page = 1; ; page++) {
      const answer = readList(action, await this.call(action, { ...params, page, per_page: perPage }));
      rows.push(...answer.data);
      if (!answer.pagination) return rows;
      if (total !== undefined && answer.pagination.total !== total) return null;
      total = answer.pagination.total;
      if (rows.length >= total || answer.data.length === 0) {
        if (rows.length < total) throw new SourceError('bad_response', `${action}: listed ${rows.length} of the ${total} rows the API announced (a truncated page)`);
        return rows;
      }
      if (page > Math.ceil(total / perPage) + 1) throw new SourceError('bad_response', `${action}: paging went past the announced total of ${total}`);
    }
  }

  /** One action: the parsed JSON body. */
  async call(action: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const attempt = () =>
      this.semaphore.run(async () => {
        const response = await this.http
          .post<string>(this.endpoint, JSON.stringify({ action, ...params }), { auth: this.auth, signal: deadline(this.options.timeoutMs) })
          .catch((error: unknown) => {
            throw transportError(action, error);
          });
        return this.interpret(action, response);
      });
    const run = () =>
      withRetries(attempt, {
        attempts: this.options.retries + 1,
        baseDelayMs: this.options.retryDelayMs ?? 500,
        maxDelayMs: 15_000,
        retryable: (e) => e instanceof SourceError && e.transient,
        delayHint: (e) => (e instanceof RetryAfter ? e.delayMs : undefined),
      });
    return this.metrics ? this.metrics.observeSource('rest', action, run) : run();
  }

  private interpret(action: string, response: AxiosResponse<string>): unknown {
    const { status } = response;
    const short = shortBody(response.data);
    const where = `POST ${printableUrl(this.endpoint)} action=${action}`;
    if (status === 401) throw new SourceError('auth', `${where}: HTTP 401, the API key was refused: check FUSIONPBX_API_KEY (key_uuid:secret) and that the key is enabled and not expired`, 401);
    if (status === 403) {
      const missing = missingPermissions(response.data);
      throw new SourceError('auth', `${where}: HTTP 403, the key's user lacks permission${missing ? `s ${missing}` : ''}: grant them to the user the key belongs to`, 403);
    }
    if (status === 429) throw new RetryAfter(`${where}: HTTP 429 (rate limited)`, retryAfterMs(response.headers['retry-after']));
    if (status >= 500) throw new SourceError('unavailable', `${where}: HTTP ${status}: ${short}`, status);
    if (status === 404) throw new SourceError('rejected', `${where}: HTTP 404: ${short}`, 404);
    if (status < 200 || status >= 300) throw new SourceError('rejected', `${where}: HTTP ${status}: ${short}`, status);
    try {
      return JSON.parse(response.data);
    } catch {
      throw new SourceError('bad_response', `${where}: HTTP ${status} but the body is not JSON: ${short}`, status);
    }
  }
}

/** A list answer, or a clear error naming what came back instead. */
export function readList(action: string, body: unknown): z.infer<typeof listAnswer> {
  if (Array.isArray(body)) {
    throw new SourceError('rejected', `${action}: the REST app answered a bare list, not {"data": [...]}: it is a build older than the paged lists (CakeDC/fusionpbx-rest-api after 1.0.0); update the app`);
  }
  const parsed = listAnswer.safeParse(body);
  if (!parsed.success) throw new SourceError('bad_response', `${action}: the answer is not a {"data": [...]} list (${parsed.error.issues[0]?.path.join('.') || 'body'}: ${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

class RetryAfter extends SourceError {
  constructor(
    message: string,
    readonly delayMs: number | undefined,
  ) {
    super('unavailable', message, 429);
  }
}

function retryAfterMs(header: unknown): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 60_000) : undefined;
}

function transportError(action: string, error: unknown): SourceError {
  return new SourceError('unavailable', `action=${action}: the request ${transportProblem(error)}`);
}

function shortBody(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? '');
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}...` : flat || '(empty body)';
}

function missingPermissions(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { missing_permissions?: unknown };
    return Array.isArray(parsed.missing_permissions) ? parsed.missing_permissions.map(String).join(', ') : undefined;
  } catch {
    return undefined;
  }
}
