import { describe, expect, it } from 'vitest';
import { cleanName, normalizeDomainName, normalizeEmail, parseFlag } from '../../src/sources/normalize.js';
import { readRows, toDomain, toExtension, toUser } from '../../src/sources/upstream-rows.js';

const U1 = '11111111-1111-4111-8111-111111111111';
const U2 = '22222222-2222-4222-8222-222222222222';
const D = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd';
const row = (o: Record<string, unknown> = {}) => ({ user_uuid: U1, domain_uuid: D, username: 'a', user_enabled: 'true', user_email: 'a@x.io', ...o });

describe('upstream rows', () => {
  it('reads flags of both layouts, with null meaning what FusionPBX means by it', () => {
    expect([true, 'true', 't', 'TRUE'].map((v) => parseFlag(v, false))).toEqual([true, true, true, true]);
    expect([false, 'false', 'f', ''].map((v) => parseFlag(v, true))).toEqual([false, false, false, false]);
    expect(parseFlag(null, true)).toBe(true);
    expect(parseFlag(null, false)).toBe(false);
    expect(parseFlag('yes', true)).toBeUndefined();
    expect(parseFlag(1, true)).toBeUndefined();
  });

  it('normalises emails: trimmed, NFC, lower-cased; a malformed one is a warning', () => {
    expect(normalizeEmail('  Alice.Smith@ACME.Example ')).toEqual({ email: 'alice.smith@acme.example' });
    expect(normalizeEmail('Jose\u0301@x.io').email).toBe('josé@x.io');
    expect(normalizeEmail('josé@x.io').email).toBe(normalizeEmail('Jose\u0301@X.IO').email);
    expect(normalizeEmail('')).toEqual({ email: null });
    expect(normalizeEmail('not-an-email').warning).toMatch(/not a valid address/);
    expect(normalizeEmail(`${'a'.repeat(300)}@x.io`).warning).toMatch(/characters long/);
    expect(normalizeEmail('a@b@c.io').email).toBeNull();
  });

  it('keeps a long email whole: never cut to fit, so never turned into another address', () => {
    const long = `first.middle.last@accounts.${'subdomain.'.repeat(5)}example.co.uk`;
    expect(long.length).toBeGreaterThan(64);
    expect(toUser(row({ user_email: `  ${long} ` }))).toMatchObject({ value: { email: long } });
  });

  it('refuses an email holding a control or format character, every time (no state carried between calls)', () => {
    // A global pattern used with test() kept its lastIndex: after one refusal, the next address
    // with a control character early in it passed.
    for (let i = 0; i < 3; i++) {
      expect(normalizeEmail('somebody.with.a.long.local.part@example.com\u0001').email).toBeNull();
      expect(normalizeEmail('a\u0001b@x.io').email).toBeNull();
    }
    for (const invisible of ['\u200b', '\u200d', '\u2060', '\ufeff', '\u202e', '\u2066', '\u00ad']) {
      expect(normalizeEmail(`ad${invisible}min@x.io`)).toMatchObject({ email: null, warning: expect.stringMatching(/not a valid address/) });
    }
    expect(normalizeEmail('admin@x.io').email).toBe('admin@x.io');
  });

  it('drops bidi overrides from names, keeps joined emoji', () => {
    expect(cleanName('Eve\u202e\u2066lyn')).toBe('Evelyn');
    expect(cleanName('👩\u200d💻 Ada')).toBe('👩\u200d💻 Ada');
    expect(normalizeDomainName('acme\u202e.example.net')).toBe('acme.example.net');
  });

  it('keeps emoji and right-to-left names, drops control characters', () => {
    expect(cleanName(' Zoë 🎧 ')).toBe('Zoë 🎧');
    expect(cleanName('نور\u0000الهدى')).toBe('نور الهدى');
    expect(cleanName('\u0007\t ')).toBeNull();
    expect(normalizeDomainName('ACME.Example.NET.')).toBe('acme.example.net');
  });

  it('takes user_email first, then the contact email', () => {
    expect((toUser(row({ user_email: null, contact_email: 'C@x.io' })) as { value: { email: string } }).value.email).toBe('c@x.io');
    expect((toUser(row({ user_email: ' ', contact_email: 'c@x.io' })) as { value: { email: string } }).value.email).toBe('c@x.io');
    expect((toUser(row({ contact_email: 'c@x.io' })) as { value: { email: string } }).value.email).toBe('a@x.io');
  });

  it('leaves absent fields unknown (undefined), not empty', () => {
    const mapped = toUser({ user_uuid: U1, domain_uuid: D, username: 'a', user_enabled: true }) as unknown as { value: Record<string, unknown> };
    expect(mapped.value).not.toHaveProperty('email');
    expect(mapped.value).not.toHaveProperty('firstName');
    expect(mapped.value).not.toHaveProperty('groups');
  });

  it('records bad rows and keeps the good ones', () => {
    const result = readRows(
      [row(), row({ user_uuid: null }), row({ user_uuid: U2, user_enabled: 'maybe' }), row({ user_uuid: 'nope' }), row({ user_uuid: U2.replace('2', '3'), user_email: 'bad@@x' })],
      'user',
      toUser,
    );
    expect(result.items.map((u) => u.uuid)).toEqual([U1, U2.replace('2', '3')]);
    expect(result.items[1]!.email).toBeNull();
    expect(result.problems.map((p) => [p.kind, p.code])).toEqual([
      ['error', 'MISSING_UUID'],
      ['error', 'INVALID_FLAG'],
      ['error', 'INVALID_UUID'],
      ['warning', 'EMAIL_INVALID'],
    ]);
    expect(result.unreadable).toEqual([U2]);
  });

  it('collapses identical duplicates and rejects conflicting ones', () => {
    expect(readRows([row(), row()], 'user', toUser)).toMatchObject({ items: [{ uuid: U1 }], problems: [] });
    const conflicting = readRows([row(), row({ username: 'b' })], 'user', toUser);
    expect(conflicting.items).toEqual([]);
    expect(conflicting.unreadable).toEqual([U1]);
    expect(conflicting.problems[0]?.code).toBe('DUPLICATE_UUID');
  });

  it('reads domains and extensions, null flags meaning disabled', () => {
    expect(toDomain({ domain_uuid: D, domain_name: 'Acme.Example.', domain_enabled: null })).toMatchObject({ value: { name: 'acme.example', enabled: false } });
    const ext = toExtension({ extension_uuid: U1, domain_uuid: D, extension: ' 101 ', enabled: null, user_uuids: [U2, U1, U2] });
    expect(ext).toMatchObject({ value: { number: '101', enabled: false, userUuids: [U1, U2] } });
    expect(toExtension({ extension_uuid: U1, domain_uuid: D, extension: '', enabled: 'true' })).toHaveProperty('problem.code', 'INVALID_ROW');
  });
});
