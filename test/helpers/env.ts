/** Where the tests find Postgres and Redis (the machine's services unless told otherwise). */
export const TEMPLATE_DB = 'fps_test_template';

export function serverUrl(): string {
  return process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function redisUrl(): string {
  return process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
