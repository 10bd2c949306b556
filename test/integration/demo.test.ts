import { afterAll, describe, expect, it } from 'vitest';
import { createKnex } from '../../src/common/postgres.js';
import { dropDatabase } from '../../src/demo/databases.js';
import { serverUrl } from '../helpers/env.js';
import { dropPrefix, spawnDaemon, testPrefix, waitFor } from '../helpers/queue.js';

/** The README's demo: it comes up, and the sample requests it prints behave as it says. */
describe('the demo', () => {
  const name = `demo_test_${Math.random().toString(36).slice(2, 8)}`;
  const prefix = testPrefix();
  afterAll(async () => {
    await dropPrefix(prefix);
    await dropDatabase(serverUrl(), `fusionpbx_${name}`);
    await dropDatabase(serverUrl(), `fusionpbx_sync_${name}`);
  });

  it('runs the daemon on the demo data; the printed curls answer 202 and 409; Ctrl-C stops it', async () => {
    const demo = spawnDaemon('demo', { DEMO_NAME: name, QUEUE_PREFIX: prefix, ADMIN_PORT: '0', LOG_LEVEL: 'warn', SYNC_POLL_SECONDS: '2' });
    try {
      await waitFor('the demo to be up', async () => demo.output.some((l) => l.includes('Press Ctrl-C')), 60_000);
      const out = demo.output.join('\n');
      expect(out).toMatch(/users\s+53\s+0\s+0\s+0\s+0\s+0\s+1\s+0\s+1/);
      const curls = [...out.matchAll(/curl -s (.+)$/gm)].map((m) => m[1]!);
      const request = (args: string) => {
        const method = /-X (\w+)/.exec(args)?.[1] ?? 'GET';
        const headers = Object.fromEntries([...args.matchAll(/-H '([^:]+): ([^']+)'/g)].map((m) => [m[1]!, m[2]!]));
        const body = /-d '([^']*)'/.exec(args)?.[1];
        const url = /(http:\/\/\S+?)'?$/.exec(args)![1]!;
        return fetch(url, { method, headers, body });
      };
      const trigger = await request(curls[0]!);
      expect(trigger.status).toBe(202);
      expect(await trigger.json()).toMatchObject({ runId: expect.any(String), created: true });
      const refused = await request(curls[1]!);
      expect(refused.status).toBe(409);
      expect(await refused.json()).toMatchObject({ error: { code: 'USER_IN_ACTIVE_CALL' } });
      // The printed FusionPBX edit arrives by polling alone; the one-user curl starts a run.
      const [, fusionpbxUrl, sql] = /psql '([^']+)' -c "(.+)"$/m.exec(out)!;
      const fpbx = createKnex(fusionpbxUrl!, { applicationName: 'demo-test', poolMax: 1 });
      await fpbx.raw(sql!).finally(() => fpbx.destroy());
      const watch = curls.find((c) => c.includes('q=moved.'))!;
      await waitFor('the edit to arrive', async () => ((await (await request(watch)).json()) as { items: unknown[] }).items.length === 1, 20_000);
      const oneUser = await request(curls.find((c) => c.includes('"user"'))!);
      expect(oneUser.status).toBe(202);
      const metrics = await fetch(/Metrics:\s+(\S+)/.exec(out)![1]!);
      expect(await metrics.text()).toMatch(/fps_sync_runs_total\{trigger="api",outcome="succeeded"/);
      demo.child.kill('SIGINT');
      expect((await demo.exited).code).toBe(0);
    } finally {
      demo.child.kill('SIGKILL');
    }
  });
});
