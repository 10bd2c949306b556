import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type App } from '../../src/app/start.js';
import { apiClient } from '../helpers/api.js';
import { LogCapture } from '../helpers/app.js';
import { TEST_ADMIN_TOKEN, TEST_SECRETS } from '../helpers/env.js';
import { startPrivatePostgres, startPrivateRedis, type PrivateService } from '../helpers/private-services.js';
import { waitFor } from '../helpers/queue.js';

describe('/readyz follows Postgres and Redis (processes this test owns)', () => {
  let pg: PrivateService;
  let redis: PrivateService;
  let app: App;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
    app = await start({
      env: { DATABASE_URL: pg.url, REDIS_URL: redis.url, ADMIN_TOKEN: TEST_ADMIN_TOKEN, ACTIVE_CALLS: 'esl', FREESWITCH_ESL: '127.0.0.1:1', FREESWITCH_ESL_PASSWORD: TEST_SECRETS.eslPassword, LOG_LEVEL: 'fatal' },
      parts: { queue: true, api: true, probe: true },
      logDestination: new LogCapture(),
      processMetrics: false,
    });
    api = apiClient(app.server!, null);
  }, 60_000);
  afterAll(async () => {
    await app.stop();
    await redis.stop();
    await pg.stop();
  });

  const readiness = async () => api<{ status: string; checks: Record<string, string>; error?: { code: string } }>('GET', '/readyz');

  it('is ready when both answer and the migrations are applied', async () => {
    // The first checks can be slow on a loaded machine (a fresh cluster, first connections).
    const res = await waitFor('ready', async () => {
      const r = await readiness();
      return r.status === 200 ? r : null;
    });
    expect(res.body).toEqual({ status: 'ready', checks: { postgres: 'ok', migrations: 'ok', redis: 'ok', worker: 'absent' } });
  });

  it('turns not-ready when Redis stops, and ready again when it returns', async () => {
    await redis.stop();
    const down = await waitFor('not ready', async () => ((await readiness()).status === 503 ? readiness() : null));
    expect(down.body).toMatchObject({ status: 'not-ready', checks: { redis: 'down', postgres: 'ok' }, error: { code: 'NOT_READY' } });
    expect((await api('GET', '/healthz')).status).toBe(200);
    await redis.start();
    await waitFor('ready again', async () => (await readiness()).status === 200, 20_000, 200);
  });

  it('turns not-ready when Postgres stops, and ready again when it returns; /metrics answers throughout', async () => {
    const before = (await api('GET', '/metrics')).raw;
    expect(before).toMatch(/^fps_sync_quarantined_runs 0$/m);
    await pg.stop();
    const down = await waitFor('not ready', async () => ((await readiness()).status === 503 ? readiness() : null));
    expect(down.body).toMatchObject({ checks: { postgres: 'down' } });
    // The page still answers, with the counters, the gauge's last value and the scrape error counted.
    // (A scrape error is counted while its gauge is read, after the counter was written: the next page shows it.)
    await api('GET', '/metrics');
    const during = await api('GET', '/metrics');
    expect(during.status).toBe(200);
    expect(during.raw).toMatch(/^fps_http_requests_total\{/m);
    expect(during.raw).toMatch(/^fps_sync_quarantined_runs 0$/m);
    expect(during.raw).toMatch(/^fps_scrape_errors_total\{gauge="fps_sync_quarantined_runs"\} [1-9]/m);
    await pg.start();
    await waitFor('ready again', async () => (await readiness()).status === 200, 20_000, 200);
  });
});
