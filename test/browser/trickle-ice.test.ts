// The /trickle-ice page in headless Chromium, driven as a person would (type the servers,
// click Gather), against a real TURN server on 127.0.0.1: Debian's coturn, and Turnpike's own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../helpers/chromium.ts';
import { coturnAvailable, startTurnServer, type RunningTurnServer, type TurnServerKind } from '../helpers/coturn.ts';
import { freeTcpPort } from '../../harness/ports.ts';
import { createWebServer, type WebServer } from '../../src/http/server.ts';
import { registerPages } from '../../src/http/pages.ts';
import { registerServerInfoRoute } from '../../src/http/server-info.ts';
import { registerTurnCredentialsRoute } from '../../src/http/turn-credentials.ts';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
/** Gathering on loopback takes well under a second; an unanswered UDP server takes Chromium ~40 s. */
const GATHER_TIMEOUT_MS = 60_000;
const REST_SECRET = 'trickle-ice-test-secret';

/** Why a kind cannot run here, or the todo marker while Turnpike's relay is being built. */
function runOptions(kind: TurnServerKind): { skip?: string; todo?: string } {
  if (chromiumMissing) return { skip: chromiumMissing };
  if (kind === 'coturn' && !coturnAvailable) return { skip: 'coturn is not installed: apt-get install coturn' };
  return {};
}

async function startPages(setup: (web: WebServer) => void = () => {}): Promise<{ web: WebServer; url: string }> {
  const web = createWebServer({ host: '127.0.0.1', port: 0, log: () => {} });
  registerPages(web);
  setup(web);
  const { url } = await web.listen();
  return { web, url: `${url}/trickle-ice/` };
}

/** Types one server into the row at `index`, adding rows as a person would. */
async function typeServer(page: Page, index: number, server: { url: string; username?: string; password?: string }) {
  const rows = page.locator('.server-row');
  while ((await rows.count()) <= index) await page.getByRole('button', { name: '+ Add server' }).click();
  const row = rows.nth(index);
  await row.getByLabel('ICE server URL').fill(server.url);
  if (server.username !== undefined) await row.getByLabel('Username').fill(server.username);
  if (server.password !== undefined) await row.getByLabel('Password').fill(server.password);
}

async function gatherAndWait(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Gather candidates' }).click();
  await page.locator('tr.done-row').waitFor({ timeout: GATHER_TIMEOUT_MS });
}

/** The verdict the page shows for a server URL: its state (badge colour), badge text and headline. */
async function verdict(page: Page, url: string) {
  const item = page.locator(`#verdicts li[data-url="${url}"]`);
  return {
    state: await item.getAttribute('data-state'),
    badge: (await item.locator('.badge').textContent())?.trim(),
    headline: (await item.locator('.verdict-headline').textContent())?.trim() ?? '',
  };
}

/** Relay candidates in the table for a server URL: their ports. */
async function relayPorts(page: Page, serverUrl: string): Promise<number[]> {
  const rows = page.locator('#candidate-rows tr[data-type="relay"]');
  const ports: number[] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    const cells = await rows.nth(i).locator('td').allTextContents();
    if (cells[8] === serverUrl) ports.push(Number(cells[6]));
  }
  return ports;
}

for (const kind of ['coturn', 'turnpike'] as const) {
  describe(`trickle-ICE page against ${kind}`, runOptions(kind), () => {
    let turn: RunningTurnServer;
    let browser: Browser;
    let pages: { web: WebServer; url: string };
    before(async () => {
      turn = await startTurnServer(kind, {});
      browser = await launchChromium();
      pages = await startPages();
    });
    after(async () => {
      await browser?.close();
      await pages?.web.close();
      await turn?.stop();
    });

    test('STUN, TURN over UDP and TURN over TCP all get a green verdict from one gather', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(pages.url);
      const stun = `stun:127.0.0.1:${turn.port}`;
      const udp = `turn:127.0.0.1:${turn.port}?transport=udp`;
      const tcp = `turn:127.0.0.1:${turn.port}?transport=tcp`;
      await typeServer(page, 0, { url: stun });
      await typeServer(page, 1, { url: udp, username: 'user', password: 'pass' });
      await typeServer(page, 2, { url: tcp, username: 'user', password: 'pass' });
      await gatherAndWait(page);

      const s = await verdict(page, stun);
      assert.equal(s.state, 'ok');
      assert.equal(s.badge, 'Works');
      // On loopback Chromium drops the srflx equal to its host address; the page must say so.
      assert.match(s.headline, /^STUN (works \(srflx from 127\.0\.0\.1:\d+\)|answered — no srflx because the reflexive address equals a host address)$/);
      const u = await verdict(page, udp);
      assert.equal(u.state, 'ok');
      assert.match(u.headline, /^TURN works over UDP \(relay 127\.0\.0\.1:\d+\)$/);
      const t = await verdict(page, tcp);
      assert.equal(t.state, 'ok');
      assert.match(t.headline, /^TURN works over TCP \(relay 127\.0\.0\.1:\d+\)$/);
      for (const port of [...(await relayPorts(page, udp)), ...(await relayPorts(page, tcp))]) {
        assert.ok(port >= turn.minPort && port <= turn.maxPort, `relay port ${port} outside ${turn.minPort}-${turn.maxPort}`);
      }
      assert.ok((await relayPorts(page, tcp)).length > 0);
      assert.equal(await page.locator('#summary').textContent(), 'All 3 servers work.');
      assert.match((await page.locator('tr.done-row').textContent()) ?? '', /Done — gathering took \d+\.\d{3} s/);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: new URL(kind === 'coturn' ? 'trickle-ice.png' : `trickle-ice-${kind}.png`, ARTIFACTS).pathname, fullPage: true });
      await page.close();
    });

    test('a wrong password shows the 401 failure and the error the browser reported', async () => {
      const page = await browser.newPage();
      await page.goto(pages.url);
      const url = `turn:127.0.0.1:${turn.port}?transport=tcp`;
      await typeServer(page, 0, { url, username: 'user', password: 'not-the-password' });
      await gatherAndWait(page);
      const v = await verdict(page, url);
      assert.equal(v.state, 'fail');
      assert.equal(v.badge, 'Failed');
      assert.equal(v.headline, 'TURN refused the credentials (401 Unauthorized)');
      assert.match((await page.locator('#error-rows').textContent()) ?? '', /401\s*Unauthorized/);
      assert.equal(await page.locator('#summary').textContent(), 'The server failed.');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: new URL(`trickle-ice-401-${kind}.png`, ARTIFACTS).pathname, fullPage: true });
      await page.close();
    });

    test('with transport policy "relay" only relay candidates appear and STUN is marked not tested', async () => {
      const page = await browser.newPage();
      await page.goto(pages.url);
      const stun = `stun:127.0.0.1:${turn.port}`;
      const udp = `turn:127.0.0.1:${turn.port}`;
      await typeServer(page, 0, { url: stun });
      await typeServer(page, 1, { url: udp, username: 'user', password: 'pass' });
      await page.getByLabel('relay only').check();
      await gatherAndWait(page);
      const types = await page.locator('#candidate-rows tr[data-type]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
      assert.ok(types.length > 0 && types.every((t) => t === 'relay'), `candidate types: ${types.join(', ')}`);
      assert.equal((await verdict(page, stun)).badge, 'Not tested');
      assert.match((await verdict(page, udp)).headline, /^TURN works over UDP/);
      await page.close();
    });

    test('pre-filled from this server: TURN REST credentials work against use-auth-secret', async () => {
      const rest = await startTurnServer(kind, { extraArgs: ['--use-auth-secret', `--static-auth-secret=${REST_SECRET}`] });
      const uris = [`turn:127.0.0.1:${rest.port}?transport=udp`, `turn:127.0.0.1:${rest.port}?transport=tcp`];
      const site = await startPages((web) => {
        registerServerInfoRoute(web, { stun: [`stun:127.0.0.1:${rest.port}`], turn: uris, realm: rest.realm, version: 'test' });
        registerTurnCredentialsRoute(web, { secret: REST_SECRET, ttlSeconds: 3600, uris, apiKeys: [], openWithoutKey: true, separator: ':' });
      });
      try {
        const page = await browser.newPage();
        await page.goto(site.url);
        const row = page.locator('.server-row').nth(1);
        await assert.doesNotReject(row.getByLabel('Password').waitFor());
        await page.waitForFunction(() => (document.querySelectorAll('.server-row .password') as NodeListOf<HTMLInputElement>)[1]?.value !== '');
        assert.match(await row.getByLabel('Username').inputValue(), /^\d{10}:trickle-ice$/);
        assert.match((await page.locator('#prefill-note').textContent()) ?? '', /temporary credentials/);
        await gatherAndWait(page);
        assert.match((await verdict(page, uris[0])).headline, /^TURN works over UDP/);
        assert.match((await verdict(page, uris[1])).headline, /^TURN works over TCP/);
        await page.close();
      } finally {
        await site.web.close();
        await rest.stop();
      }
    });
  });
}

describe('trickle-ICE page without a server', { skip: chromiumMissing }, () => {
  test('a TURN port nobody listens on: the page says the connection failed and why', async () => {
    const browser = await launchChromium();
    const pages = await startPages();
    try {
      const page = await browser.newPage();
      await page.goto(pages.url);
      const url = `turn:127.0.0.1:${await freeTcpPort()}?transport=tcp`;
      await typeServer(page, 0, { url, username: 'user', password: 'pass' });
      await gatherAndWait(page);
      const v = await verdict(page, url);
      assert.equal(v.state, 'fail');
      assert.match(v.headline, /^Could not connect to 127\.0\.0\.1:\d+ over TCP$/);
      assert.equal(await page.locator('#summary').textContent(), 'Nothing came back from any server: its port is blocked or the server is down.');
    } finally {
      await browser.close();
      await pages.web.close();
    }
  });

  test('a mistyped URL is marked in the form and nothing is gathered', async () => {
    const browser = await launchChromium();
    const pages = await startPages();
    try {
      const page = await browser.newPage();
      await page.goto(pages.url);
      await typeServer(page, 0, { url: 'https://example.org' });
      await page.getByRole('button', { name: 'Gather candidates' }).click();
      assert.match((await page.locator('.field-error').textContent()) ?? '', /must start with stun:/);
      assert.equal(await page.locator('#candidate-rows tr').count(), 0);
    } finally {
      await browser.close();
      await pages.web.close();
    }
  });
});
