import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig, type ConfigNeeds } from '../../src/config/config.js';
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

  it('validates the mapping file and refuses a domain mapped twice', () => {
    expect(() => parseMapping({ tenants: [{ key: 'A', name: 'x', domains: ['a'] }] }, 'f')).toThrow(/key/);
    expect(() => parseMapping({ tenant: [] }, 'f')).toThrow(/Unrecognized key/);
    expect(() => parseMapping({ tenants: [{ key: 'a', name: 'A', domains: ['x.net'] }, { key: 'b', name: 'B', domains: ['X.net.'] }] }, 'f')).toThrow(/mapped to both/);
    expect(() => parseMapping({ roles: { admin: 'root' } }, 'f')).toThrow(/roles/);
  });
});
