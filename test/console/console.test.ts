import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex } from '../../src/common/postgres.js';
import { dropDatabase, withDatabase } from '../../src/demo/databases.js';
import { serverUrl } from '../helpers/env.js';
import { dropPrefix, spawnDaemon, testPrefix, waitFor, type Daemon } from '../helpers/queue.js';

/**
 * The operations console in a real browser (Debian's Chromium driven by playwright-core), against
 * the real daemon on the demo data: log in, find a user, try to delete the user on a call, disable
 * a user until a time, run a dry run and follow it, approve a run quarantined by a mass delete
 * upstream; refused without the scope; every page checked by axe-core; screenshots of each page at
 * 1280 and 390 pixels written to test-artifacts/console/.
 */
const ARTIFACTS = 'test-artifacts/console';
const READER = 'console-reader-token-0123456789';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
// As the machine's notes advise: no background networking on a closed network.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('the operations console', () => {
  const name = `console_test_${Math.random().toString(36).slice(2, 8)}`;
  const prefix = testPrefix();
  let demo: Daemon;
  let url: string;
  let token: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const foreign: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    demo = spawnDaemon('demo', { DEMO_NAME: name, QUEUE_PREFIX: prefix, ADMIN_PORT: '0', LOG_LEVEL: 'warn', SYNC_POLL_SECONDS: '0', ADMIN_TOKENS: `reader[read]:${READER}` });
    await waitFor('the demo', async () => demo.output.some((l) => l.includes('Press Ctrl-C')), 90_000);
    const out = demo.output.join('\n');
    url = /Console:\s+(\S+)\/console/.exec(out)![1]!;
    token = /token: ([^;]+);/.exec(out)![1]!;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('request', (r) => {
      if (!r.url().startsWith(url) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    demo?.child.kill('SIGINT');
    await demo?.exited;
    await dropPrefix(prefix);
    await dropDatabase(serverUrl(), `fusionpbx_${name}`);
    await dropDatabase(serverUrl(), `fusionpbx_sync_${name}`);
  });

  const heading = () => page.locator('main h1').first();
  async function logIn(with_: string) {
    await page.goto(`${url}/console#/login`);
    await page.getByLabel('Admin token').fill(with_);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => heading().textContent()).toBe('Sync runs');
  }
  /** A screenshot at both widths, and axe-core on the page with no serious or critical violation. */
  async function capture(label: string) {
    await page.screenshot({ path: `${ARTIFACTS}/${label}-1280.png`, fullPage: true });
    await page.screenshot({ path: `${ARTIFACTS}/${label}-1280-top.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${ARTIFACTS}/${label}-390.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    // axe is evaluated through the browser's debugging protocol: the page's CSP forbids any injected script.
    const violations = (await page.evaluate(`${AXE}; axe.run(document).then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ': ' + v.help))`)) as string[];
    expect(violations, label).toEqual([]);
  }
  async function findUser(q: string) {
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByLabel('Search').fill(q);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('main table a').first().click();
    await expect.poll(() => page.locator('main h2', { hasText: 'Actions' }).count()).toBe(1);
  }

  it('serves the page from the daemon with a strict CSP; without a token every page asks for one', async () => {
    const response = await page.goto(`${url}/console#/users`);
    expect(response!.headers()['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    await expect.poll(() => heading().textContent()).toBe('Log in');
    expect((await fetch(`${url}/v1/users`)).status).toBe(401);
    await capture('login');
  });

  it('logs in, lists runs, finds a user, and refuses to delete the user on a call, saying why', async () => {
    await logIn(token);
    await expect.poll(() => page.locator('main table tbody tr').count()).toBeGreaterThan(0);
    await capture('runs');
    await findUser('chloe.okafor@');
    await capture('user');
    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/USER_IN_ACTIVE_CALL: extension 1002 is in a call/);
  });

  it('disables a user until a time, and shows the status with its reason and end', async () => {
    await findUser('farouk');
    await page.getByLabel('Reason').fill('on leave');
    await page.getByLabel('Until (optional: enabled again then)').fill('2030-01-15T08:00');
    await page.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => page.locator('dl.facts').textContent()).toMatch(/disabled by admin: on leave, until/);
    await expect.poll(() => page.locator('main table').first().textContent()).toMatch(/disable.*on leave/);
  });

  it('starts a dry run and follows it to its end', async () => {
    await page.getByRole('link', { name: 'Sync now' }).click();
    await page.getByLabel('Dry run: plan and record, write nothing').check();
    await capture('sync');
    await page.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => page.locator('main h1 .badge').textContent(), { timeout: 30_000 }).toBe('succeeded');
    expect(await page.locator('dl.facts').textContent()).toContain('dry run: nothing is written');
  });

  it('shows a run quarantined by a mass delete upstream beside the store, and approves it after naming what it does', async () => {
    const fpbx = createKnex(withDatabase(serverUrl(), `fusionpbx_${name}`), { applicationName: 'console-test', poolMax: 1 });
    try {
      // Most of acme's users deleted in FusionPBX, as users.php delete() does it.
      await fpbx.raw(`delete from v_users where domain_uuid = (select domain_uuid from v_domains where domain_name = 'acme.pbx.example.net') and username <> 'chloe.okafor'`);
    } finally {
      await fpbx.destroy();
    }
    await page.getByRole('link', { name: 'Sync now' }).click();
    await page.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => page.locator('main h1 .badge').textContent(), { timeout: 30_000 }).toBe('quarantined');
    const note = (await page.getByRole('note').textContent())!;
    const disables = Number(/Approving would .*disable (\d+) users/.exec(note)?.[1]);
    expect(disables).toBeGreaterThan(5);
    expect(await page.locator('main table', { hasText: 'in the store now' }).textContent()).toMatch(/status: enabled/);
    await capture('quarantined');
    await page.getByRole('button', { name: 'Approve…' }).click();
    expect(await page.getByRole('dialog').textContent()).toContain(`disable ${disables} users`);
    await page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.locator('main h1 .badge').textContent(), { timeout: 30_000 }).toBe('succeeded');
  });

  it('shows the health of Postgres, Redis, the workers, each FreeSWITCH node, the queue and the schedule', async () => {
    await page.getByRole('link', { name: 'Health' }).click();
    await expect.poll(() => page.locator('main').textContent()).toMatch(/Next scheduled run/);
    const text = (await page.locator('main').textContent())!;
    expect(text).toMatch(/postgres\s*ok/);
    expect(text).toMatch(/redis\s*ok/);
    expect(text).toMatch(/127\.0\.0\.1:\d+\s*ok\s*answers show channels/);
    await capture('health');
  });

  it('with a read token shows everything and refuses every change, as the API refuses it', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await logIn(READER);
    await findUser('chloe.okafor@');
    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/FORBIDDEN: .*users/);
    await page.getByRole('link', { name: 'Sync now' }).click();
    await page.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/FORBIDDEN: .*sync/);
    expect(foreign).toEqual([]);
  });
});
