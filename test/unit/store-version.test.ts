import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors/sync-errors.js';
import { requireStoreVersion } from '../../src/store/migrate.js';

describe('store server version', () => {
  it('refuses PostgreSQL 13 and older with a configuration error naming the version, accepts 14 and later', () => {
    expect(() => requireStoreVersion(130012)).toThrow(ConfigError);
    expect(() => requireStoreVersion(130012)).toThrow(/PostgreSQL 14 or later \(this server is 13\)/);
    expect(() => requireStoreVersion(90624)).toThrow(/this server is 9\)/);
    expect(() => requireStoreVersion(140000)).not.toThrow();
    expect(() => requireStoreVersion(150008)).not.toThrow();
  });
});
