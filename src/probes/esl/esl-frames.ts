export interface EslMessage {
  headers: Record<string, string>;
  body: string;
}

/** A peer that breaks the event-socket framing: the connection is closed, the probe answers unknown. */
export class EslProtocolError extends Error {
  override readonly name = 'EslProtocolError';
}

/** A header block longer than this is not FreeSWITCH's (its replies' headers are a few hundred bytes). */
export const MAX_HEADER_BYTES = 16 * 1024;
/** `show channels as json` of ten thousand channels is about 15 MB. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
const CONTENT_LENGTH = /^\d{1,9}$/;

/**
 * The event socket's framing (mod_event_socket.c): a header block of `Name: value` lines ended by
 * a blank line, then exactly `Content-Length` bytes of body when that header is present. Bytes
 * go in as they arrive; whole messages come out. Anything else is refused with an
 * EslProtocolError, never waited on: a Content-Length that is not decimal digits, a header block or
 * a body over its limit. Each call does work in proportion to the bytes it holds.
 */
export class EslFrameReader {
  /** Bytes received and not yet consumed, kept as chunks until a message can be cut from them. */
  private chunks: Buffer[] = [];
  private size = 0;
  /** The message whose body is awaited: its headers and the body's length. */
  private pending: { headers: Record<string, string>; length: number } | null = null;

  push(chunk: Buffer): EslMessage[] {
    this.chunks.push(chunk);
    this.size += chunk.length;
    const messages: EslMessage[] = [];
    for (;;) {
      if (!this.pending) {
        const buffer = this.take(this.size);
        const end = buffer.indexOf('\n\n');
        if (end < 0 || end > MAX_HEADER_BYTES) {
          if (end > MAX_HEADER_BYTES || buffer.length > MAX_HEADER_BYTES) throw new EslProtocolError(`a header block longer than ${MAX_HEADER_BYTES} bytes`);
          this.keep(buffer);
          return messages;
        }
        const headers = parseHeaders(buffer.subarray(0, end).toString('utf8'));
        this.keep(buffer.subarray(end + 2));
        this.pending = { headers, length: bodyLength(headers['Content-Length']) };
      }
      // A body arriving in many chunks is joined once, when it is whole.
      if (this.size < this.pending.length) return messages;
      const buffer = this.take(this.size);
      messages.push({ headers: this.pending.headers, body: buffer.subarray(0, this.pending.length).toString('utf8') });
      this.keep(buffer.subarray(this.pending.length));
      this.pending = null;
    }
  }

  private take(size: number): Buffer {
    const buffer = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, size);
    this.chunks = [];
    this.size = 0;
    return buffer;
  }

  private keep(rest: Buffer): void {
    if (rest.length > 0) this.chunks.push(rest);
    this.size = rest.length;
  }
}

function bodyLength(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!CONTENT_LENGTH.test(value)) throw new EslProtocolError(`a Content-Length that is not a number (${JSON.stringify(value.slice(0, 20))})`);
  const length = Number(value);
  if (length > MAX_BODY_BYTES) throw new EslProtocolError(`a body of ${length} bytes (at most ${MAX_BODY_BYTES})`);
  return length;
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim()] = safeDecode(line.slice(at + 1).trim());
  }
  return headers;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
