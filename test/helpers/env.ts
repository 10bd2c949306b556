/** Where the tests find Postgres and Redis (the machine's services unless told otherwise). */
export const TEMPLATE_DB = 'fps_test_template';

/**
 * Every secret the suite hands the daemon. The scan at the end of the suite (test/global-setup.ts)
 * finds none of them, nor a password hash, in any log line, job payload, API reply or change log.
 */
export const TEST_SECRETS = {
  adminToken: 'test-admin-token-0123456789abcdef',
  // The test server trusts local connections, so this password is sent nowhere; it must be shown nowhere.
  dbPassword: 'fps-db-s3cret-pw',
  eslPassword: 'fps-esl-s3cret-pw',
  restSecret: 'fps-rest-s3cret',
  userPassword: 'correct horse battery s3cret',
};

export function serverUrl(): string {
  return process.env.TEST_POSTGRES_URL ?? `postgres://postgres:${TEST_SECRETS.dbPassword}@127.0.0.1:5432/postgres`;
}

export function redisUrl(): string {
  return process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

export const TEST_ADMIN_TOKEN = TEST_SECRETS.adminToken;
