// The web dashboard end to end: a real Redis, a real worker process, `troupe dashboard` as its own
// process, and Debian's Chromium driving the page (docs/dashboard.md; its pictures come from here).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { connect, type Troupe } from '../src/index.ts';
import { Invoice } from './fixtures/shop-actors.ts';
import { launchChromium, screenshot, screenshotDir } from './helpers/browser.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runCli } from './helpers/run.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';
import { spawnTroupe, spawnWorker, type WorkerProcess } from './helpers/worker-process.ts';

const FIXTURE = 'test/fixtures/shop-actors.ts';
const TOKEN = 'dashboard-test-token';
const WORKER = 'dash-w1';

let redis: TestRedis;
let ns: string;
let troupe: Troupe;
let worker: WorkerProcess;
let dashboard: WorkerProcess;
let base: string;
let browser: Browser;
let page: Page;

before(async () => {
  redis = await startRedis();
  ns = uniqueNamespace('dash');
  troupe = await connect({ redis: redis.url, namespace: ns, actors: [Invoice], partitions: 8 });
  worker = await spawnWorker(redis.url, ns, FIXTURE, ['--name', WORKER]);
  const args = ['-r', redis.url, '-n', ns, 'dashboard', '--port', '0', '--token', TOKEN, '-a', FIXTURE];
  dashboard = await spawnTroupe(args, 'dashboard ready');
  base = String(dashboard.logs('dashboard ready')[0]!.address);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
});

after(async () => {
  await browser?.close();
  await dashboard?.terminate();
  await worker?.terminate();
  await troupe?.close();
  await redis?.stop();
});

async function signIn(p: Page, token = TOKEN): Promise<void> {
  await p.getByLabel('Token').fill(token);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

const deadRow = (actor: string) => page.locator('#dead-letters tbody tr', { hasText: actor });

it('refuses a wrong token, then keeps the right one for the session', async () => {
  const bare = await fetch(`${base}/api/snapshot`);
  assert.equal(bare.status, 401);
  const wrong = await fetch(`${base}/api/snapshot`, { headers: { authorization: 'Bearer nope' } });
  assert.equal(wrong.status, 401);
  assert.match(((await wrong.json()) as { error: { message: string } }).error.message, /wrong bearer token/);

  await page.goto(base);
  await signIn(page, 'not-the-token');
  await page
    .getByRole('alert')
    .filter({ hasText: /wrong bearer token/ })
    .waitFor();
  await screenshot(page.locator('main'), 'sign-in');
  await signIn(page);
  await page.getByRole('heading', { name: /^Workers/ }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: /^Workers/ }).waitFor();
  assert.equal(await page.getByLabel('Token').count(), 0, 'the token is kept for the session');
});

it('lists the live worker by name', async () => {
  const row = page.locator('#workers tbody tr', { hasText: WORKER });
  await row.waitFor();
  assert.match(await row.innerText(), /8: 0-7/, 'it holds every partition');
  await page.locator('#workers .events li', { hasText: WORKER }).first().waitFor();
  await screenshot(page.locator('#workers'), 'workers');
});

it('shows a dead letter made after the page loaded without a reload, and Purge removes it after asking', async () => {
  await troupe.ref(Invoice, 'i-purge').tell('pay', 3);
  const row = deadRow('invoice/i-purge');
  await row.waitFor();
  assert.match(await row.innerText(), /handler-error[\s\S]*no card on file for i-purge[\s\S]*1/);
  await screenshot(page.locator('#dead-letters'), 'dead-letters');

  await row.getByRole('button', { name: 'Purge' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await troupe.deadLetters.list({ actor: 'invoice/i-purge' })).length, 1, 'Cancel keeps it');

  await row.getByRole('button', { name: 'Purge' }).click();
  await dialog.getByRole('button', { name: 'Purge' }).click();
  await row.waitFor({ state: 'detached' });
  assert.equal((await troupe.deadLetters.list({ actor: 'invoice/i-purge' })).length, 0);
});

it('Retry re-runs a dead letter, which succeeds once the actor can take it', async () => {
  const ref = troupe.ref(Invoice, 'i-retry');
  await ref.tell('pay', 7);
  const row = deadRow('invoice/i-retry');
  await row.waitFor();
  await ref.ask('addCard', 'visa');
  await row.getByRole('button', { name: 'Retry' }).click();
  await waitFor('the retried payment', async () => (await ref.read()).paid === 7);
  await row.waitFor({ state: 'detached' });
  assert.deepEqual(await ref.read(), { status: 'paid', card: 'visa', paid: 7 });
});

it('filters dead letters by reason, and "Purge all matching" takes only those, after asking', async () => {
  // a client without the class sends a method Invoice does not have: the worker dead-letters it
  const untyped = await connect({ redis: redis.url, namespace: ns });
  try {
    await untyped.ref('invoice', 'i-u1').tell('refund', 1);
    await untyped.ref('invoice', 'i-u2').tell('refund', 2);
  } finally {
    await untyped.close();
  }
  await troupe.ref(Invoice, 'i-keep').tell('pay', 1);
  for (const id of ['i-u1', 'i-u2', 'i-keep']) await deadRow(`invoice/${id}`).waitFor();

  await page.getByLabel('Reason').selectOption('unknown-method');
  await deadRow('invoice/i-keep').waitFor({ state: 'detached' });
  assert.equal(await page.locator('#dead-letters tbody tr').count(), 2);
  await page.getByRole('button', { name: 'Purge all matching' }).click();
  const dialog = page.getByRole('dialog');
  assert.match(await dialog.innerText(), /with reason unknown-method/);
  await dialog.getByRole('button', { name: 'Purge all' }).click();
  await deadRow('invoice/i-u1').waitFor({ state: 'detached' });
  const left = await troupe.deadLetters.list();
  assert.deepEqual(
    left.map((d) => [d.actor, d.reason]),
    [['invoice/i-keep', 'handler-error']],
  );

  await page.getByLabel('Reason').selectOption('');
  await deadRow('invoice/i-keep').waitFor();
  await troupe.deadLetters.purge({ all: true });
  await deadRow('invoice/i-keep').waitFor({ state: 'detached' });
});

it('Pause and Resume change the type as admin.pausedTypes() sees it', async () => {
  const row = page.locator('#types tbody tr', { hasText: 'invoice' });
  await row.getByRole('button', { name: 'Pause' }).click();
  await waitFor('invoice paused', async () => (await troupe.admin.pausedTypes()).includes('invoice'));
  await row.getByRole('button', { name: 'Resume' }).waitFor();
  assert.match(await row.innerText(), /paused/);
  await screenshot(page.locator('#types'), 'types');
  await row.getByRole('button', { name: 'Resume' }).click();
  await waitFor('invoice resumed', async () => (await troupe.admin.pausedTypes()).length === 0);
  await row.getByRole('button', { name: 'Pause' }).waitFor();
});

it('the Actor box opens an actor and shows its context, segments and time slider', async () => {
  await troupe.ref(Invoice, 'i-retry').ask('remind');
  await page.getByRole('textbox', { name: 'Actor' }).fill('invoice/i-retry');
  await page.getByRole('button', { name: 'Open' }).click();
  const context = page.getByLabel('Context', { exact: true });
  await context.waitFor();
  assert.deepEqual(JSON.parse(await context.innerText()), { status: 'paid', card: 'visa', paid: 7 });
  assert.match(await page.locator('#actor .repeats').innerText(), /reminder: pay, every 3,600,000 ms, next/);
  const segments = page.locator('#actor article tbody tr');
  assert.equal(await segments.count(), 2, 'addCard and pay');
  assert.ok(await page.getByLabel('As of').isVisible(), 'the slider over what merges retain');

  // back to before the payment: the slider folds as read({ at }) does
  const slider = page.getByLabel('As of');
  await slider.focus();
  await slider.press('Home');
  const asOf = page.getByLabel('Context as of');
  await asOf.waitFor();
  const early = JSON.parse(await asOf.innerText()) as { paid: number };
  assert.equal(early.paid, 0, 'the oldest point is before the payment');
  await screenshot(page.locator('#actor'), 'actor');
});

it('finds actors by the type’s indexes', async () => {
  await page.getByLabel('Where').fill('status=paid');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('#actor .found').getByRole('button', { name: 'i-retry' }).waitFor();
  await page.getByLabel('Where').fill('status=open');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText('No actor matches.').waitFor();
});

it('charts messages, mail and dead letters over time, updating live', async () => {
  const charts = page.locator('#load canvas');
  assert.equal(await charts.count(), 3);
  const before = await page
    .getByRole('img', { name: /Messages committed per second/ })
    .getAttribute('aria-label');
  await waitFor('a new sample', async () => {
    const now = await page
      .getByRole('img', { name: /Messages committed per second/ })
      .getAttribute('aria-label');
    return now !== before;
  });
  await screenshot(page.locator('#load'), 'load');
});

it('is readable on a phone', async () => {
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  try {
    await phone.goto(base);
    await signIn(phone);
    await phone.getByRole('heading', { name: /^Workers/ }).waitFor();
    await phone.locator('#load canvas').first().waitFor();
    // wide tables scroll inside their box; the page itself stays the phone's width (no zooming out)
    const width = Number(await phone.evaluate('document.documentElement.scrollWidth'));
    assert.ok(width <= 390, `the page is ${width}px wide on a 390px phone`);
    await phone.screenshot({ path: join(screenshotDir(), 'phone.png'), fullPage: true });
  } finally {
    await phone.close();
  }
});

it('refuses to listen beyond loopback without a token', async () => {
  const run = await runCli(['-r', redis.url, '-n', ns, 'dashboard', '--host', '0.0.0.0', '--port', '0']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /needs a token.*--token <token> or set TROUPE_DASHBOARD_TOKEN/);
});
