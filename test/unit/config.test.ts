import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/config/admin-tokens.js';
import { describeConfig, loadConfig, type ConfigNeeds } from '../../src/config/config.js';
import { SECRET_VARIABLES } from '../../src/config/secret-files.js';
import { parseMapping } from '../../src/config/mapping-file.js';
import { ConfigError } from '../../src/errors/sync-errors.js';

const base = {
  DATABASE_URL: 'postgres://app:pw@db/users',
  REDIS_URL: 'redis://redis:6379',
  FUSIONPBX_DATABASE_URL: 'postgres://reader:fpw@pbx/fusionpbx',
  FREESWITCH_ESL: 'pbx1:8021,[::1]:8022',
  FREESWITCH_ESL_PASSWORD: 'esl-secret',
  ADMIN_TOKEN: 'a-very-long-admin-token',
};
const all = { source: true, queue: true, api: true, probe: true };

function problems(env: Record<string, string | undefined>, needs: ConfigNeeds = all): string[] {
  try {
    loadConfig(env, needs);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}

describe('configuration', () => {
  it('takes Redis as one URL, as Sentinel or as Cluster (one of them), and asks Cluster for a hash-tagged prefix', () => {
    const { REDIS_URL: _, ...noUrl } = base;
    expect(loadConfig({ ...noUrl, REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'pbx', REDIS_PASSWORD: 'redis-secret' }, all).parts.redis).toEqual({
      kind: 'sentinel',
      sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }],
      name: 'pbx',
      password: 'redis-secret',
    });
    expect(loadConfig({ ...noUrl, REDIS_CLUSTER_NODES: 'n1:6379', QUEUE_PREFIX: '{fps}' }, all).parts.redis).toMatchObject({ kind: 'cluster', nodes: [{ host: 'n1', port: 6379 }] });
    expect(problems({ ...noUrl, REDIS_CLUSTER_NODES: 'n1:6379' })).toEqual([expect.stringMatching(/^QUEUE_PREFIX: on Redis Cluster it must hold a hash tag/)]);
    expect(problems({ ...base, REDIS_SENTINELS: 's1:26379' })).toEqual([expect.stringMatching(/^REDIS_URL: give one of REDIS_URL, REDIS_SENTINELS, not several/)]);
    expect(problems(noUrl)).toEqual([expect.stringMatching(/^REDIS_URL: required for the job queue \(or REDIS_SENTINELS, or REDIS_CLUSTER_NODES\)/)]);
    expect(problems({ ...noUrl, REDIS_SENTINELS: 'not a list' })).toEqual([expect.stringMatching(/^REDIS_SENTINELS: must be a comma-separated host:port list/)]);
  });

  it('checks each schedule with the library that runs it: a cron node-cron cannot run stops the start', () => {
    expect(problems({ ...base, HOUSEKEEPING_SCHEDULE: 'H * * * *' })).toEqual([expect.stringMatching(/^HOUSEKEEPING_SCHEDULE: "H \* \* \* \*" is not a cron expression node-cron runs/)]);
    expect(problems({ ...base, HOUSEKEEPING_SCHEDULE: '*/5 * * * *' })).toEqual([]);
  });

  it('names a look-alike unknown variable with the nearest known one, without refusing it; leaves the platform\'s own alone', () => {
    const config = loadConfig({ ...base, SYNC_SHEDULE: '* * * * *', ADMIN_TOKEN_FILES: '/x', FUSIONPBX_SYNC_SERVICE_HOST: '10.0.0.1', NODE_ENV: 'production' }, all);
    expect(config.unknownVariables).toEqual([
      { name: 'ADMIN_TOKEN_FILES', nearest: 'ADMIN_TOKEN_FILE' },
      { name: 'SYNC_SHEDULE', nearest: 'SYNC_SCHEDULE' },
    ]);
  });

  it('accepts a complete environment and fills the documented defaults', () => {
    const config = loadConfig(base, all);
    expect(config).toMatchObject({
      FUSIONPBX_SOURCE: 'database',
      ACTIVE_CALLS: 'esl',
      SYNC_SCHEDULE: '*/15 * * * *',
      SYNC_TIMEZONE: 'UTC',
      SYNC_MAX_DISABLE: { kind: 'percent', value: 25 },
      ADMIN_PORT: 8080,
      LOG_LEVEL: 'info',
      FREESWITCH_ESL: [
        { host: 'pbx1', port: 8021 },
        { host: '::1', port: 8022 },
      ],
      adminTokens: [{ label: 'admin', token: 'a-very-long-admin-token' }],
    });
  });

  it.each([
    ['DATABASE_URL', undefined, /DATABASE_URL: required/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL: must be a postgres/],
    ['REDIS_URL', undefined, /REDIS_URL: required/],
    ['FUSIONPBX_DATABASE_URL', undefined, /FUSIONPBX_DATABASE_URL: required when FUSIONPBX_SOURCE=database/],
    ['FUSIONPBX_SOURCE', 'ldap', /FUSIONPBX_SOURCE/],
    ['ADMIN_TOKEN', undefined, /ADMIN_TOKEN: required for the admin API/],
    ['ADMIN_TOKEN', 'short', /ADMIN_TOKEN: must be at least 16/],
    ['ADMIN_PORT', '99999', /ADMIN_PORT/],
    ['SYNC_SCHEDULE', 'every day', /SYNC_SCHEDULE: "every day" is not a cron expression/],
    ['SYNC_SCHEDULE', '61 * * * *', /SYNC_SCHEDULE: "61 \* \* \* \*" is not a valid cron expression/],
    ['SYNC_TIMEZONE', 'Mars/Olympus', /SYNC_TIMEZONE: must be an IANA time zone/],
    ['SYNC_MAX_DISABLE', 'lots', /SYNC_MAX_DISABLE: "lots" must be a count/],
    ['FREESWITCH_ESL', 'pbx1', /FREESWITCH_ESL: must be a comma-separated host:port list/],
    ['FREESWITCH_ESL_PASSWORD', undefined, /FREESWITCH_ESL_PASSWORD: required when ACTIVE_CALLS=esl/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
  ])('names %s when it is %s', (name, value, message) => {
    const found = problems({ ...base, [name]: value });
    expect(found.join('\n')).toMatch(message);
  });

  it('asks each command only for what it needs', () => {
    expect(problems({ DATABASE_URL: base.DATABASE_URL }, {})).toEqual([]);
    expect(problems({ DATABASE_URL: base.DATABASE_URL, FUSIONPBX_SOURCE: 'rest' }, { source: true }).join('\n')).toMatch(/FUSIONPBX_API_URL: required.*\n.*FUSIONPBX_API_KEY: required/);
  });

  it('reports every bad variable at once', () => {
    expect(problems({ ...base, DATABASE_URL: undefined, ADMIN_PORT: 'x' })).toHaveLength(2);
  });

  it('never shows a secret when it describes itself', () => {
    const text = JSON.stringify(describeConfig(loadConfig(base, all)));
    for (const secret of [':pw@', 'fpw', 'esl-secret', 'a-very-long-admin-token']) expect(text).not.toContain(secret);
    expect(text).toContain('pbx1:8021');
  });

  it('reads each secret from <NAME>_FILE, trailing newline trimmed; refuses both forms and an unreadable file, naming the variable only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fps-config-'));
    try {
      const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
      const env = { ...base, ADMIN_TOKEN: undefined, DATABASE_URL: undefined, ADMIN_TOKEN_FILE: file('token', 'token-from-a-file-0123456789\n'), DATABASE_URL_FILE: file('db', 'postgres://app:filepw@db/users\r\n') };
      const config = loadConfig(env, all);
      expect(config.adminTokens).toEqual([{ label: 'admin', token: 'token-from-a-file-0123456789', scopes: SCOPES }]);
      expect(config.DATABASE_URL).toBe('postgres://app:filepw@db/users');
      const both = problems({ ...env, ADMIN_TOKEN: 'a-very-long-admin-token' });
      expect(both).toEqual(['ADMIN_TOKEN_FILE: ADMIN_TOKEN is set too; set one of them']);
      const missing = problems({ ...base, REDIS_URL: undefined, REDIS_URL_FILE: join(dir, 'nope') });
      expect(missing).toEqual([`REDIS_URL_FILE: cannot read ${join(dir, 'nope')} (ENOENT)`]);
      expect(SECRET_VARIABLES).toEqual(expect.arrayContaining(['ADMIN_TOKENS', 'METRICS_TOKEN', 'FUSIONPBX_DATABASE_URL', 'FUSIONPBX_API_KEY', 'FREESWITCH_ESL_PASSWORD']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads scoped tokens: label:token has every scope, label[a+b]:token only those; an unknown scope or a reused label is named', () => {
    const config = loadConfig({ ...base, ADMIN_TOKENS: 'ops:ops-token-0123456789abcdef, webapp[verify]:webapp-token-0123456789ab,audit[read+sync]:audit-token-0123456789abc' }, all);
    expect(config.adminTokens.map((t) => [t.label, t.scopes])).toEqual([
      ['admin', SCOPES],
      ['ops', SCOPES],
      ['webapp', ['verify']],
      ['audit', ['read', 'sync']],
    ]);
    expect(problems({ ...base, ADMIN_TOKENS: 'x[read+delete]:x-token-0123456789abcdef' })).toEqual(['ADMIN_TOKENS: x has the unknown scope(s) delete (scopes: read, verify, users, sync, approve)']);
    expect(problems({ ...base, ADMIN_TOKENS: 'x[]:x-token-0123456789abcdef' }).join()).toMatch(/unknown scope/);
    expect(problems({ ...base, ADMIN_TOKENS: 'admin:x-token-0123456789abcdef' })).toEqual(['ADMIN_TOKENS: the label admin is used twice']);
    expect(problems({ ...base, ADMIN_TOKENS: 'x:short' }).join()).toMatch(/entry 1 must be label:token/);
    expect(JSON.stringify(problems({ ...base, ADMIN_TOKENS: 'x[nope]:secret-token-0123456789abcdef' }))).not.toContain('secret-token');
  });

  it('needs both TLS files or neither, listens on loopback by default', () => {
    expect(loadConfig(base, all).ADMIN_HOST).toBe('127.0.0.1');
    expect(problems({ ...base, ADMIN_TLS_CERT_FILE: '/x/cert.pem' })).toEqual(['ADMIN_TLS_KEY_FILE: required with ADMIN_TLS_CERT_FILE (both or neither)']);
    expect(problems({ ...base, ADMIN_TLS_CERT_FILE: '/x/cert.pem', ADMIN_TLS_KEY_FILE: '/x/key.pem' })).toEqual([
      'ADMIN_TLS_CERT_FILE: cannot read /x/cert.pem (ENOENT)',
      'ADMIN_TLS_KEY_FILE: cannot read /x/key.pem (ENOENT)',
    ]);
  });

  it('validates the mapping file and refuses a domain mapped twice', () => {
    expect(() => parseMapping({ tenants: [{ key: 'A', name: 'x', domains: ['a'] }] }, 'f')).toThrow(/key/);
    expect(() => parseMapping({ tenant: [] }, 'f')).toThrow(/Unrecognized key/);
    expect(() => parseMapping({ tenants: [{ key: 'a', name: 'A', domains: ['x.net'] }, { key: 'b', name: 'B', domains: ['X.net.'] }] }, 'f')).toThrow(/mapped to both/);
    expect(() => parseMapping({ roles: { admin: 'root' } }, 'f')).toThrow(/roles/);
  });
});
