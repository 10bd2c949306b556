import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type App } from '../../src/app/start.js';
import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';
import { startFreeswitchStandIn, type FreeswitchStandIn } from '../../src/demo/freeswitch-stand-in.js';
import { apiClient } from '../helpers/api.js';
import { LogCapture } from '../helpers/app.js';
import { createFusionpbxDatabase, createStoreDatabase, type TestDatabase } from '../helpers/databases.js';
import { TEST_ADMIN_TOKEN, redisUrl, TEST_SECRETS } from '../helpers/env.js';
import { dropPrefix, testPrefix, waitFor } from '../helpers/queue.js';

/** Prometheus text -> value of one series, by name and exact labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const match = /^([a-z_:]+)(\{(.*)\})? (.+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = Object.fromEntries([...(match[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.keys(labels).length === Object.keys(got).length && Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(match[4]);
  }
  return undefined;
}

describe('/metrics after a sync', () => {
  const f = new FusionpbxFactory(91);
  const d = f.domain('metrics.example.net');
  for (let i = 0; i < 5; i++) f.link(f.extension(d, String(100 + i)), f.user(d, `m${i}`, { email: i < 2 ? 'same@example.net' : `m${i}@example.net` }));
  let store: TestDatabase;
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let fs: FreeswitchStandIn;
  let app: App;
  let text: string;
  let runId: string;
  const prefix = testPrefix();

  beforeAll(async () => {
    store = await createStoreDatabase();
    fpbx = await createFusionpbxDatabase('5.5', f);
    fs = await startFreeswitchStandIn({ password: TEST_SECRETS.eslPassword, channels: [{ uuid: '5d0f7a3e-2b1c-4c7e-9a51-0c3e2a7d9f10', presence_id: '100@metrics.example.net', callstate: 'ACTIVE' }] });
    app = await start({
      env: {
        DATABASE_URL: store.url, REDIS_URL: redisUrl(), FUSIONPBX_DATABASE_URL: fpbx.url, QUEUE_PREFIX: prefix, ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        ACTIVE_CALLS: 'esl', FREESWITCH_ESL: `127.0.0.1:${fs.port}`, FREESWITCH_ESL_PASSWORD: TEST_SECRETS.eslPassword, SYNC_SCHEDULE: '0 0 1 1 *', LOG_LEVEL: 'warn',
      },
      parts: { source: true, queue: true, worker: true, api: true, probe: true },
      logDestination: new LogCapture(),
    });
    const api = apiClient(app.server!);
    runId = (await api<{ runId: string }>('POST', '/v1/sync', { body: {} })).body.runId;
    await waitFor('the run', async () => (await app.stores.runs.get(app.db, runId))?.status === 'succeeded');
    const inCall = await app.db('users as u').join('extensions as e', 'e.user_id', 'u.id').where('e.number', '100').first('u.id');
    expect((await api('DELETE', `/v1/users/${inCall.id}`)).status).toBe(409);
    text = (await api<string>('GET', '/metrics', { token: null })).raw;
  });
  afterAll(async () => {
    await app.stop();
    await fs.close();
    await dropPrefix(prefix);
    await fpbx.drop();
    await store.drop();
  });

  it('counts the run by trigger and outcome, and times it', () => {
    expect(sample(text, 'fps_sync_runs_total', { trigger: 'api', outcome: 'succeeded', dry_run: 'false' })).toBe(1);
    expect(sample(text, 'fps_sync_run_duration_seconds_count', { trigger: 'api' })).toBe(1);
    expect(sample(text, 'fps_sync_domain_duration_seconds_count')).toBe(1);
  });

  it('counts the objects the run changed and the problems it met', () => {
    expect(sample(text, 'fps_sync_objects_changed_total', { entity: 'user', action: 'created' })).toBe(5);
    expect(sample(text, 'fps_sync_objects_changed_total', { entity: 'extension', action: 'created' })).toBe(5);
    expect(sample(text, 'fps_sync_objects_changed_total', { entity: 'tenant', action: 'created' })).toBe(1);
    expect(sample(text, 'fps_sync_problems_total', { kind: 'conflict', entity: 'user' })).toBe(1);
  });

  it('has the last successful sync per domain, and the quarantined runs waiting', async () => {
    const run = await app.stores.runs.get(app.db, runId);
    const at = sample(text, 'fps_sync_last_success_timestamp_seconds', { domain: 'metrics.example.net' })!;
    expect(Math.abs(at - Date.parse(run!.finishedAt!) / 1000)).toBeLessThan(1);
    expect(sample(text, 'fps_sync_quarantined_runs')).toBe(0);
  });

  it('times and counts source reads, probe calls, HTTP requests; counts queue jobs by state', () => {
    expect(sample(text, 'fps_source_requests_total', { source: 'database', operation: 'contested_claimants', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'fps_source_requests_total', { source: 'database', operation: 'user_counts', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'fps_source_requests_total', { source: 'database', operation: 'domain_batch', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'fps_source_request_duration_seconds_count', { source: 'database', operation: 'contested_claimants' })).toBe(1);
    expect(sample(text, 'fps_probe_calls_total', { method: 'esl', node: `127.0.0.1:${fs.port}`, outcome: 'ok' })).toBe(1);
    expect(sample(text, 'fps_probe_duration_seconds_count', { method: 'esl', node: `127.0.0.1:${fs.port}` })).toBe(1);
    expect(sample(text, 'fps_http_requests_total', { method: 'POST', route: '/v1/sync', status: '202' })).toBe(1);
    expect(sample(text, 'fps_http_requests_total', { method: 'DELETE', route: '/v1/users/:id', status: '409' })).toBe(1);
    expect(sample(text, 'fps_queue_jobs', { queue: 'sync', state: 'completed' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'fps_queue_jobs', { queue: 'sync', state: 'failed' })).toBe(0);
  });

  it('has every metric the Grafana dashboard and the alert rules use', () => {
    const files = ['deploy/grafana/fusionpbx-sync-dashboard.json', 'deploy/prometheus/alerts.yml'].map((p) => readFileSync(p, 'utf8'));
    const used = new Set(files.flatMap((f) => [...f.matchAll(/\b((?:fps|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!)));
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) expect(text, name).toMatch(new RegExp(`^${name}[ {]`, 'm'));
  });

  it('exports Node process metrics, and no label carries a user id or an email', async () => {
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    const ids: string[] = await app.db('users').pluck('id');
    for (const id of ids) expect(text).not.toContain(id);
    expect(text).not.toMatch(/@example\.net/);
  });
});
