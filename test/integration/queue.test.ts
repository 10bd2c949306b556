import { FlowProducer, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAME } from '../../src/queue/jobs.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actor, startTestApp, type TestApp } from '../helpers/app.js';
import { platform } from '../helpers/platform.js';
import { createFusionpbxDatabase, createStoreDatabase, type TestDatabase } from '../helpers/databases.js';
import { redisUrl } from '../helpers/env.js';
import { dropPrefix, testPrefix, waitFor } from '../helpers/queue.js';

describe('the sync queue, with real Redis and Postgres', () => {
  const f = platform(41, 12, 5);
  const prefix = testPrefix();
  let store: TestDatabase;
  let fpbx: Awaited<ReturnType<typeof createFusionpbxDatabase>>;
  let a: TestApp;
  let b: TestApp;
  const processed: Record<string, string[]> = { a: [], b: [] };

  beforeAll(async () => {
    store = await createStoreDatabase();
    fpbx = await createFusionpbxDatabase('5.5', f);
    const env = { QUEUE_PREFIX: prefix, WORKER_CONCURRENCY: '1', SYNC_SCHEDULE: '0 0 1 1 *', HOUSEKEEPING_SCHEDULE: '0 0 1 1 *' };
    const parts = { source: true, queue: true, worker: true };
    a = await startTestApp({ store: store.url, fusionpbx: fpbx.url }, env, parts);
    b = await startTestApp({ store: store.url, fusionpbx: fpbx.url }, env, parts);
    // Each domain a worker synced, as `runId.domainUuid`.
    const track = (into: string[]) => (job: Job) => job.name === 'domains' && into.push(...job.data.domainUuids.map((d: string) => `${job.data.runId}.${d}`));
    a.worker!.on('completed', track(processed.a!));
    b.worker!.on('completed', track(processed.b!));
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await dropPrefix(prefix);
    await fpbx.drop();
    await store.drop();
  });

  const finished = (app: TestApp, runId: string) =>
    waitFor(`run ${runId} to finish`, async () => {
      const run = await app.stores.runs.get(app.db, runId);
      return run && !['queued', 'running'].includes(run.status) ? run : null;
    });

  it('leaves one job scheduler however many processes register it, and a new setting replaces it', async () => {
    expect(await a.queue!.queue.getJobSchedulersCount()).toBe(1);
    await Promise.all([a.queue!.upsertSchedule('*/5 * * * *', 'UTC'), b.queue!.upsertSchedule('*/5 * * * *', 'UTC')]);
    const schedulers = await a.queue!.queue.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: 'sync-schedule', pattern: '*/5 * * * *', tz: 'UTC' });
    await a.queue!.upsertSchedule('0 0 1 1 *', 'UTC');
  });

  it('fans a whole-platform run out to two workers; no domain twice; totals are the sum of the domains', async () => {
    const { run } = await a.sync!.requestRun({ trigger: 'api', actor: 'test' });
    await a.queue!.enqueueRun(run.id);
    const done = await finished(a, run.id);
    expect(done.status).toBe('succeeded');
    const ids = [...processed.a!, ...processed.b!].filter((id) => id.startsWith(run.id));
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    expect(processed.a!.length).toBeGreaterThan(0);
    expect(processed.b!.length).toBeGreaterThan(0);
    const domains = await a.stores.runs.domains(a.db, run.id);
    expect(domains).toHaveLength(12);
    const sum = domains.reduce((n, d) => n + (d.counts.users?.created ?? 0), 0);
    expect(done.counts.users?.created).toBe(sum);
    expect(sum).toBe(60);
  });

  it('folds five triggers of one domain into one run', async () => {
    const domain = f.domains[3]!;
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => a.sync!.requestRun({ trigger: 'api', domain: i % 2 ? domain.uuid : domain.name, actor: 'test' })));
    expect(new Set(results.map((r) => r.run.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    await a.queue!.enqueueRun(results[0]!.run.id);
    await a.queue!.enqueueRun(results[0]!.run.id);
    expect((await finished(a, results[0]!.run.id)).status).toBe('succeeded');
  });

  it('re-enables a user disabled until two seconds ahead, with both events in the activation log', async () => {
    const user = await store.db('users').first();
    const until = new Date(Date.now() + 2_000).toISOString();
    await a.lifecycle.disable(user.id, { reason: 'holiday', until }, actor('admin'));
    expect((await store.db('users').where({ id: user.id }).first()).status).toBe('disabled');
    await waitFor('the user to be enabled again', async () => (await store.db('users').where({ id: user.id }).first()).status === 'enabled', 8_000);
    const log = await store.db('user_activation_log').where({ user_id: user.id }).orderBy('id');
    expect(log.map((l: { action: string; actor: string }) => [l.action, l.actor])).toEqual([
      ['disabled', 'admin'],
      ['enabled', 'schedule'],
    ]);
    expect(log[0].reason).toBe('holiday');
  });

  it('removes the re-enable job when the user is enabled early', async () => {
    const user = await store.db('users').offset(1).first();
    await a.lifecycle.disable(user.id, { until: new Date(Date.now() + 60_000).toISOString() }, actor('admin'));
    expect(await a.queue!.getJob(`reenable.${user.id}`)).toBeDefined();
    await a.lifecycle.enable(user.id, actor('admin'));
    expect(await a.queue!.getJob(`reenable.${user.id}`)).toBeUndefined();
  });

  it('fails an unknown job name or a bad payload at once, never "succeeding" doing nothing', async () => {
    const unknown = await a.queue!.queue.add('mystery', {}, { attempts: 3 });
    const bad = await a.queue!.queue.add('domains', { runId: 'not-a-uuid', domainUuids: [42] }, { attempts: 3 });
    for (const job of [unknown, bad]) {
      await waitFor(`job ${job.name} to fail`, async () => (await job.getState()) === 'failed');
      const failed = (await a.queue!.getJob(job.id!))!;
      expect(failed.attemptsMade).toBe(1);
    }
    expect((await a.queue!.getJob(unknown.id!))!.failedReason).toMatch(/unknown job name "mystery"/);
    expect((await a.queue!.getJob(bad.id!))!.failedReason).toMatch(/invalid domains payload: runId/);
  });

  it('a batch that cannot run fails its domains with its reason, and only lost domains are redone', async () => {
    // Every domain changes upstream, so every domain is planned (an unchanged one is skipped).
    for (const user of f.users) user.username = `${user.username}.renamed`;
    await fpbx.rewrite();
    const { run } = await a.sync!.requestRun({ trigger: 'api', actor: 'test' });
    const domainUuids = (await a.pipeline!.prepare(run.id))!;
    expect(domainUuids).toHaveLength(12);
    const [refused, ...others] = domainUuids;
    // The run's finish step waits on one batch whose payload the worker refuses (an unknown field).
    const flow = new FlowProducer({ connection: new Redis(redisUrl(), { maxRetriesPerRequest: null }), prefix });
    try {
      await flow.add({
        name: 'run',
        queueName: QUEUE_NAME,
        data: { runId: run.id, step: 'finish', redone: false },
        opts: { jobId: run.id },
        children: [{ name: 'domains', queueName: QUEUE_NAME, data: { runId: run.id, domainUuids: [refused], extra: true }, opts: { ignoreDependencyOnFailure: true } }],
      });
    } finally {
      await flow.close();
    }
    const done = await finished(a, run.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(new RegExp(`^1 of 12 domains failed: ${refused}: its batch job failed: invalid domains payload: .*extra`));
    const domains = await a.stores.runs.domains(a.db, run.id);
    expect(domains.filter((d) => d.status === 'succeeded').map((d) => d.scopeDomainUuid).sort()).toEqual([...others].sort());
  });

  it('a run whose job payload is refused ends failed, naming the payload', async () => {
    const { run } = await a.sync!.requestRun({ trigger: 'api', actor: 'test' });
    await a.queue!.queue.add('run', { runId: run.id, step: 'middle' }, { jobId: run.id });
    const done = await finished(a, run.id);
    expect(done).toMatchObject({ status: 'failed', error: expect.stringMatching(/^invalid run payload: step: /) });
  });

  it('queues again a run whose job Redis lost, and it converges', async () => {
    const { run } = await a.sync!.requestRun({ trigger: 'api', actor: 'test' });
    // No job was added (the API died, or Redis came back empty): housekeeping finds the run.
    await a.housekeeping!.reconcileRuns();
    expect((await finished(a, run.id)).status).toBe('succeeded');
  });

  it('never puts a secret or an email in a job payload, of any kind of job', async () => {
    // Jobs of every kind, made here: a tick of the schedule (its run and batches), a timed re-enable.
    const tick = await a.queue!.queue.add('scheduled', {});
    await waitFor('the tick to queue its run', async () => (await tick.getState()) === 'completed');
    const runId = (await a.queue!.getJob(tick.id!))!.returnvalue.runId as string;
    await finished(a, runId);
    const user = await store.db('users').offset(2).first();
    await a.lifecycle.disable(user.id, { until: new Date(Date.now() + 60_000).toISOString() }, actor('admin'));
    const jobs = await a.queue!.queue.getJobs(['completed', 'failed', 'delayed', 'waiting', 'waiting-children']);
    expect([...new Set(jobs.map((j) => j.name))]).toEqual(expect.arrayContaining(['scheduled', 'run', 'domains', 'reenable']));
    const payloads = JSON.stringify(jobs.map((j) => j.data));
    expect(payloads).toContain(runId);
    expect(payloads).not.toMatch(/password|secret|token|@/i);
  });
});
