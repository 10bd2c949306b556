import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { censor, createLogger } from '../../src/observability/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  return { lines, logger: createLogger('debug', stream) };
}

describe('logger', () => {
  it('censors secret keys in any case, nested, in arrays, in errors and in bindings', () => {
    const { lines, logger } = capture();
    const error = Object.assign(new Error('request failed'), { config: { url: 'https://pbx.example/app/api', headers: { Authorization: 'Basic s3cret-basic' }, auth: { username: 'k', password: 's3cret-auth' } } });
    logger.child({ config: { DATABASE_URL: 'postgres://u:s3cret-db@h/db', port: 8080 } }).info(
      { token: 's3cret-token', nested: { deeper: { apiKey: 's3cret-key', kept: 'visible-1' } }, list: [{ password: 's3cret-list' }, 'visible-2'], err: error, count: 3 },
      'hello',
    );
    logger.child({ component: 'api' }).child({ token: 's3cret-grandchild' }).info('grandchild');
    const text = lines.join('');
    expect(text).not.toMatch(/s3cret/);
    const line = JSON.parse(lines[0]!);
    expect(line.config).toEqual({ DATABASE_URL: '[redacted]', port: 8080 });
    expect(line.token).toBe('[redacted]');
    expect(line.nested.deeper).toEqual({ apiKey: '[redacted]', kept: 'visible-1' });
    expect(line.list).toEqual([{ password: '[redacted]' }, 'visible-2']);
    expect(line.err).toMatchObject({ type: 'Error', message: 'request failed' });
    expect(JSON.parse(lines[1]!)).toMatchObject({ component: 'api', token: '[redacted]', msg: 'grandchild' });
    expect(line.err.config.headers.Authorization).toBe('[redacted]');
    expect(line.err.config.auth).toBe('[redacted]');
    expect(line.err.config.url).toBe('https://pbx.example/app/api');
    expect(line.count).toBe(3);
  });

  it('leaves what holds no secret as it is, without copying it', () => {
    const plain = { reqId: 'r1', method: 'GET', route: '/v1/users', status: 200, nested: { a: [1, 2], at: new Date(0) } };
    expect(censor(plain)).toBe(plain);
    const withSecret = { a: { b: { secret: 'x' } }, c: 1 };
    expect(censor(withSecret)).toEqual({ a: { b: { secret: '[redacted]' } }, c: 1 });
    expect(withSecret.a.b.secret).toBe('x');
  });
});
