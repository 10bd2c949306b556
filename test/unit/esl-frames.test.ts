import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EslFrameReader, EslProtocolError, MAX_HEADER_BYTES, type EslMessage } from '../../src/probes/esl/esl-frames.js';

/** A message as FreeSWITCH frames it (mod_event_socket.c): headers, a blank line, Content-Length bytes of body. */
function frame(message: { type: string; body: string }): Buffer {
  const body = Buffer.from(message.body, 'utf8');
  const headers = body.length > 0 ? `Content-Type: ${message.type}\nContent-Length: ${body.length}\n\n` : `Content-Type: ${message.type}\n\n`;
  return Buffer.concat([Buffer.from(headers, 'utf8'), body]);
}

/** The bytes cut into pieces at the given points, as a socket may deliver them. */
function cut(bytes: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let last = 0;
  for (const p of [...at, bytes.length]) {
    pieces.push(bytes.subarray(last, p));
    last = p;
  }
  return pieces;
}

/** Feeds pieces in; the messages it gave, or the protocol error it stopped at. */
function read(pieces: Buffer[]): { messages: EslMessage[]; error: Error | null } {
  const reader = new EslFrameReader();
  const messages: EslMessage[] = [];
  try {
    for (const piece of pieces) messages.push(...reader.push(piece));
    return { messages, error: null };
  } catch (error) {
    return { messages, error: error as Error };
  }
}

const message = fc.record({
  type: fc.constantFrom('api/response', 'command/reply', 'auth/request', 'text/disconnect-notice'),
  body: fc.string({ unit: 'grapheme', maxLength: 300 }),
});

describe('event-socket framing', () => {
  it('reads back every well-framed message, however the bytes are cut', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (messages, points) => {
        const bytes = Buffer.concat(messages.map(frame));
        const { messages: got, error } = read(cut(bytes, points));
        expect(error).toBeNull();
        expect(got.map((m) => [m.headers['Content-Type'], m.body])).toEqual(messages.map((m) => [m.type, m.body]));
      }),
    );
  });

  it('refuses a Content-Length that is not decimal digits, whatever surrounds it, and never hands out that frame', () => {
    const badLength = fc.oneof(
      fc.constantFrom('1x2', '-1', '', ' ', '1e3', '0x10', '1 2', 'NaN', 'Infinity', '1.5', '+3', '٣', '9999999999'),
      fc.string({ maxLength: 12 }).filter((s) => !/^\d{1,9}$/.test(s.trim()) && !s.includes('\n') && !s.includes('%')),
    );
    fc.assert(
      fc.property(fc.array(message, { maxLength: 3 }), badLength, fc.string({ maxLength: 50 }), fc.array(fc.nat(), { maxLength: 10 }), (before, length, tail, points) => {
        const broken = Buffer.from(`Content-Type: api/response\nContent-Length: ${length}\n\n${tail}`, 'utf8');
        const bytes = Buffer.concat([...before.map(frame), broken]);
        const { messages: got, error } = read(cut(bytes, points));
        // The connection is given up at the broken frame: nothing from it (or after it) comes out.
        expect(error).toBeInstanceOf(EslProtocolError);
        expect(got.length).toBeLessThanOrEqual(before.length);
        expect(got.every((m, i) => m.body === before[i]!.body)).toBe(true);
      }),
    );
  });

  it('never waits on, or grows past, a header block with no end', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }).filter((s) => !s.includes('\n')), fc.integer({ min: 1, max: 64 }), (line, size) => {
        const reader = new EslFrameReader();
        const chunk = Buffer.from(`${line}\n`.repeat(Math.ceil(1024 / (line.length + 1)) * size), 'utf8');
        let refused = false;
        for (let sent = 0; sent <= MAX_HEADER_BYTES * 2 && !refused; sent += chunk.length) {
          try {
            expect(reader.push(chunk)).toEqual([]);
          } catch (error) {
            expect(error).toBeInstanceOf(EslProtocolError);
            refused = true;
          }
        }
        expect(refused).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('ends on any bytes at all: messages, a protocol error, or waiting for more, within a bounded time', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (pieces) => {
        const started = performance.now();
        const { messages, error } = read(pieces.map((p) => Buffer.from(p)));
        expect(performance.now() - started).toBeLessThan(1000);
        if (error) expect(error).toBeInstanceOf(EslProtocolError);
        // Whatever it handed out had a decimal Content-Length (or none).
        for (const m of messages) if (m.headers['Content-Length'] !== undefined) expect(m.headers['Content-Length']).toMatch(/^\d{1,9}$/);
      }),
    );
  });

  it('refuses a body announced larger than the limit before reading it', () => {
    const { error } = read([Buffer.from('Content-Type: api/response\nContent-Length: 999999999\n\n')]);
    expect(error).toBeInstanceOf(EslProtocolError);
  });
});
