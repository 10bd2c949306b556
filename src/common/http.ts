import axios, { type AxiosInstance } from 'axios';

/** The largest answer a peer may send (a FreeSWITCH channel list of ten thousand calls is about 15 MB). */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/**
 * The HTTP client every peer is asked through (the REST app, mod_xml_rpc): every status comes
 * back as a response for the caller to judge, the body as text, no redirect followed, the answer
 * bounded in size. axios's `timeout` only bounds the wait between bytes: each request also gets
 * `deadline(ms)` as its signal, so a peer that drips its answer cannot hold a call longer.
 */
export function createHttp(options: { timeoutMs: number }): AxiosInstance {
  return axios.create({
    timeout: options.timeoutMs,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    validateStatus: () => true,
    transitional: { clarifyTimeoutError: true },
    maxRedirects: 0,
    maxContentLength: MAX_ANSWER_BYTES,
    maxBodyLength: 1024 * 1024,
    responseType: 'text',
    transformResponse: (body: unknown) => body,
  });
}

/** A whole request within `ms`, answer included. */
export function deadline(ms: number): AbortSignal {
  return AbortSignal.timeout(ms);
}

/** A transport failure (no HTTP answer) in a few words: timed out, refused, too large. */
export function transportProblem(error: unknown): string {
  const code = (error as { code?: string } | null)?.code ?? 'network error';
  if (code === 'ETIMEDOUT' || code === 'ECONNABORTED' || code === 'ERR_CANCELED') return 'timed out';
  if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test((error as Error).message)) return `answered more than ${MAX_ANSWER_BYTES} bytes`;
  return `failed (${code})`;
}
