import type { Api } from '../../src/api/api-types.js';
import { TEST_ADMIN_TOKEN } from './env.js';
import { keep } from './scan.js';

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Record<string, unknown>;
  raw: string;
}

/** Injects requests into the API (no socket), with the test admin token unless told otherwise. */
export function apiClient(server: Api, token: string | null = TEST_ADMIN_TOKEN) {
  return async <T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    options: { body?: unknown; payload?: string | Buffer; headers?: Record<string, string>; token?: string | null } = {},
  ): Promise<Reply<T>> => {
    const bearer = options.token === undefined ? token : options.token;
    const headers: Record<string, string> = { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...options.headers };
    const payload = options.payload ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await server.inject({ method, url, headers, payload });
    keep('reply', res.body);
    let body: unknown = undefined;
    try {
      body = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      body = res.body;
    }
    return { status: res.statusCode, body: body as T, headers: res.headers, raw: res.body };
  };
}
