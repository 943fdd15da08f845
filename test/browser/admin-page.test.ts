/**
 * The admin page in headless Chromium, as an operator uses it: log in with an admin user,
 * watch a live `turnutils_uclient` session relay through Turnpike (to coturn's
 * `turnutils_peer`), kill it, and see the client lose its traffic. A screenshot of the live
 * page goes to /tmp/admin-page.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../helpers/chromium.ts';
import { coturnCommand, type Launched } from '../../harness/servers.ts';
import { spawnTracked, type TrackedChild } from '../../harness/children.ts';
import { startTurnutilsPeer, turnutilsMissing } from '../interop/processes.ts';
import { connectUdp } from '../../src/client/server-connection.ts';
import { TurnClient } from '../../src/client/turn-client.ts';
import { startAdminServer, type AdminServer } from '../admin/admin-helpers.ts';

const skip = chromiumMissing ?? turnutilsMissing;
let srv: AdminServer | undefined;
let peer: Launched | undefined;
let uclient: TrackedChild | undefined;
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  srv = await startAdminServer([['admin', 'pw', '']], ['-u', 'ling:ling1234']);
  peer = await startTurnutilsPeer(['127.0.0.1']);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await uclient?.stop();
  await peer?.stop();
  await srv?.stop();
});

/** Rows of the sessions table: user and the client → peer byte count. */
async function sessionRows(page: Page): Promise<{ user: string; toPeer: string }[]> {
  return page.$$eval('#sessions tbody tr', (rows) => rows.map((r) => ({
    user: r.querySelector('td')?.textContent ?? '',
    toPeer: r.querySelectorAll('td')[8]?.querySelector('div')?.textContent ?? '',
  })));
}

test('log in, see a live turnutils_uclient session, kill it, the client loses its traffic', { skip, timeout: 60_000 }, async () => {
  const server = srv!;
  // One failed authentication, so the failures card has something to show.
  const wrong = new TurnClient(await connectUdp({ ip: '127.0.0.1', port: server.port, family: 4 }), { username: 'ling', password: 'not-it' }, { rto: 200, tries: 3 });
  assert.equal((await wrong.allocate({})).ok, false);
  await wrong.conn.close();

  uclient = spawnTracked(coturnCommand('uclient', ['-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer!.port),
    '-m', '1', '-n', '700', '-l', '120', '-z', '20', '-p', String(server.port), '127.0.0.1']), { keep: 50_000 });

  const page = await browser!.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.admin}/`);
  await page.waitForSelector('#login-form');
  await page.fill('#login-form input[name=user]', 'admin');
  await page.fill('#login-form input[name=password]', 'wrong');
  await page.click('#login-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('login-error')?.textContent !== '');
  await page.fill('#login-form input[name=password]', 'pw');
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#app:not([hidden])');
  assert.match(await page.textContent('#who') ?? '', /admin/);

  // The uclient's allocations appear and start relaying (the table polls every 1.5 s).
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#sessions tbody tr'))
    .some((r) => r.querySelector('td')?.textContent === 'ling' && !/^0 B$/.test(r.querySelectorAll('td')[8]?.querySelector('div')?.textContent ?? '')),
  undefined, { timeout: 20_000 });
  await page.waitForFunction(() => /bit\/s/.test(document.getElementById('stat-rate')?.textContent ?? '')
    && !/^0 bit/.test(document.getElementById('stat-rate')?.textContent ?? ''), undefined, { timeout: 10_000 });
  const rows = await sessionRows(page);
  assert.ok(rows.length >= 1 && rows.every((r) => r.user === 'ling'), JSON.stringify(rows));
  assert.notEqual(await page.textContent('#stat-failures'), '0');
  await page.screenshot({ path: '/tmp/admin-page.png', fullPage: true });

  // Kill every session of the run: each Kill button asks for a second click.
  while ((await page.$$('#sessions tbody button.danger')).length > 0) {
    const button = (await page.$$('#sessions tbody button.danger'))[0];
    const id = await button.getAttribute('data-id');
    await button.click();
    await page.click(`#sessions tbody button.danger[data-id="${id}"]`);
    await page.waitForFunction((gone) => !document.querySelector(`#sessions tbody tr[data-id="${gone}"]`), id, { timeout: 10_000 });
  }
  await page.waitForSelector('#sessions-empty:not([hidden])');
  await page.screenshot({ path: '/tmp/admin-page-killed.png', fullPage: true });

  // The client's relayed messages now go nowhere: it reports them lost.
  await uclient.exited;
  const out = uclient.output();
  const lost = /Total lost packets (\d+)/.exec(out);
  assert.ok(lost, out);
  assert.ok(Number(lost[1]) > 0, `uclient lost nothing after the kill:\n${out}`);
  assert.deepEqual(errors, []);

  // The other sections render.
  for (const tab of ['failures', 'users', 'config']) {
    await page.click(`.tabs button[data-tab="${tab}"]`);
    await page.waitForSelector(`#tab-${tab}:not([hidden])`);
  }
  await page.waitForFunction(() => (document.querySelector('#config tbody')?.children.length ?? 0) > 10);
  assert.ok(!(await page.textContent('#config'))?.includes('ling1234'));
});
