/**
 * The admin page's Fleet view in headless Chromium: two Turnpike members sharing the real
 * Redis (`fleet-redis`, `redis-statsdb`), A with the admin page, B without. An operator logs in
 * to A's page, opens Fleet, sees both members (address, load, health, last heartbeat) and the
 * session a client holds on B, and kills it from A's page: B deletes the allocation, so the
 * client's next Refresh gets 437 (RFC 8656 §7.3) and the row goes away. A second server with
 * `redis-statsdb` alone lists the sessions with no members and no Kill buttons. A screenshot
 * of the view goes to /tmp/admin-fleet.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { freeRange, freeUdpTcpPort } from '../../harness/ports.ts';
import { launchTurnServer, type Launched } from '../../harness/servers.ts';
import { connectUdp } from '../../src/client/server-connection.ts';
import { TurnClient } from '../../src/client/turn-client.ts';
import { chromiumMissing, launchChromium } from '../helpers/chromium.ts';
import { startAdminServer, type AdminServer } from '../admin/admin-helpers.ts';
import { CONN, TAG, cleanUp, skipRedis } from '../fleet/fleet-fixtures.ts';

const skip = chromiumMissing ?? skipRedis;
const realm = `page-${TAG}.example`;
const FLEET = [`--fleet-redis=${CONN}`, `--redis-statsdb=${CONN}`, '--fleet-heartbeat=1', `--realm=${realm}`, '-u', 'ling:ling1234'];
let a: AdminServer | undefined;
let statsOnly: AdminServer | undefined;
let b: Launched | undefined;
let browser: Browser | undefined;
const clients: TurnClient[] = [];

before(async () => {
  if (skip) return;
  a = await startAdminServer([['admin', 'pw', '']], [...FLEET, `--fleet-member-name=a-${TAG}`]);
  statsOnly = await startAdminServer([['admin', 'pw', '']], [`--redis-statsdb=${CONN}`, `--realm=${realm}`]);
  const port = await freeUdpTcpPort();
  const range = await freeRange(20);
  b = await launchTurnServer('turnpike', [
    '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1', `--min-port=${range.min}`, `--max-port=${range.max}`,
    '-a', `--fleet-member-name=b-${TAG}`, `--fleet-advertise=127.0.0.1:${port}`, '--log-file=stdout', ...FLEET,
  ], { port, keep: 50_000 });
  browser = await launchChromium();
});
after(async () => {
  for (const c of clients) await c.conn.close();
  await browser?.close();
  await b?.stop();
  await statsOnly?.stop();
  await a?.stop();
  if (!skipRedis) await cleanUp();
});

async function allocateOn(port: number): Promise<TurnClient> {
  const c = new TurnClient(await connectUdp({ ip: '127.0.0.1', port, family: 4 }), { username: 'ling', password: 'ling1234' }, { rto: 200, tries: 5 });
  clients.push(c);
  const r = await c.allocate({});
  assert.ok(r.ok, JSON.stringify(r));
  return c;
}

async function logIn(url: string) {
  const page = await browser!.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}/`);
  await page.fill('#login-form input[name=user]', 'admin');
  await page.fill('#login-form input[name=password]', 'pw');
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#app:not([hidden])');
  return { page, errors };
}

test('the Fleet view lists every member and its sessions; a session on another member is killed from the page', { skip, timeout: 60_000 }, async () => {
  const client = await allocateOn(b!.port);
  const { page, errors } = await logIn(a!.admin);
  await page.click('.tabs button[data-tab="fleet"]');
  await page.waitForSelector('#tab-fleet:not([hidden])');
  assert.match(await page.textContent('#fleet-self') ?? '', new RegExp(`a-${TAG}`));

  // Both members, each with an address, its load, health and a recent heartbeat.
  await page.waitForFunction((tag) => ['a', 'b'].every((m) => document.querySelector(`#fleet-members tr[data-member="${m}-${tag}"]`)), TAG, { timeout: 15_000 });
  const rowB = await page.$$eval(`#fleet-members tr[data-member="b-${TAG}"] td`, (cells) => cells.map((c) => c.textContent ?? ''));
  assert.equal(rowB[1], `127.0.0.1:${b!.port}`);
  assert.match(rowB[3], /^\d+ \/ 20 \(\d+%\)$/);
  assert.match(rowB[5], /^healthy/);
  assert.match(rowB[6], /ago$/);
  assert.ok(await page.$(`#fleet-members tr.self[data-member="a-${TAG}"]`), 'A is marked as this server');

  // B's session, listed on A's page with its member, then killed from it.
  await page.waitForFunction((tag) => Array.from(document.querySelectorAll('#fleet-sessions tbody tr'))
    .some((r) => r.querySelector('td')?.textContent === `b-${tag}`), TAG, { timeout: 15_000 });
  const id = await page.$eval(`#fleet-sessions tbody tr button.danger`, (btn) => (btn as HTMLElement).dataset.id ?? '');
  const row = await page.$$eval(`#fleet-sessions tbody tr[data-id="${id}"] td`, (cells) => cells.map((c) => c.textContent ?? ''));
  assert.deepEqual(row.slice(0, 5), [`b-${TAG}`, 'ling', realm, 'new', 'UDP']);
  await page.screenshot({ path: '/tmp/admin-fleet.png', fullPage: true });
  await page.click(`#fleet-sessions button.danger[data-id="${id}"]`);
  await page.click(`#fleet-sessions button.danger[data-id="${id}"]`);
  await page.waitForFunction((gone) => !document.querySelector(`#fleet-sessions tbody tr[data-id="${gone}"]`), id, { timeout: 15_000 });
  const refresh = await client.refresh(600);
  assert.equal(refresh.ok ? 200 : refresh.code, 437);
  assert.match(b!.output(), /kill/);
  assert.deepEqual(errors, []);
});

test('with redis-statsdb alone the Fleet view lists sessions without members or Kill buttons', { skip, timeout: 30_000 }, async () => {
  await allocateOn(b!.port);
  const { page, errors } = await logIn(statsOnly!.admin);
  await page.click('.tabs button[data-tab="fleet"]');
  await page.waitForSelector('#tab-fleet:not([hidden])');
  assert.match(await page.textContent('#fleet-self') ?? '', /redis-statsdb only/);
  await page.waitForFunction((r) => Array.from(document.querySelectorAll('#fleet-sessions tbody tr'))
    .some((tr) => tr.querySelectorAll('td')[2]?.textContent === r), realm, { timeout: 15_000 });
  assert.equal(await page.$$eval('#fleet-members tbody tr', (rows) => rows.length), 0);
  assert.equal(await page.$$eval('#fleet-sessions tbody button', (bs) => bs.length), 0);
  assert.deepEqual(errors, []);
});

test('without a fleet the page has no Fleet tab', { skip: chromiumMissing, timeout: 30_000 }, async () => {
  const plain = await startAdminServer([['admin', 'pw', '']]);
  try {
    browser ??= await launchChromium();
    const { page } = await logIn(plain.admin);
    assert.equal(await page.isHidden('.tabs button[data-tab="fleet"]'), true);
    const me = await page.evaluate(async () => (await fetch('/api/admin/me', { headers: { 'X-Turnpike-Admin': '1' } })).json());
    assert.equal(me.fleet, null);
  } finally {
    await plain.stop();
  }
});
