/**
 * The trickle-ICE page of `turnpike serve`, testing its own server with a wrong password:
 * beside the browser's bare "401 Unauthorized" it shows what the server logged about that
 * browser's request (the reason in words and a hint), and the header names the version once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../helpers/chromium.ts';
import { launch, type TrackedChild } from '../../harness/children.ts';
import { freeRange, freeTcpPort, freeUdpTcpPort } from '../../harness/ports.ts';
import { printed } from '../../harness/ready.ts';
import { turnpikeCommand } from '../../harness/servers.ts';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

describe("the trickle-ICE page of turnpike serve, on its own server", { skip: chromiumMissing }, () => {
  let browser: Browser;
  let server: TrackedChild;
  let dataDir: string;
  let base: string;
  let port: number;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'turnpike-own-'));
    port = await freeUdpTcpPort();
    const http = await freeTcpPort();
    const { min, max } = await freeRange(20);
    server = await launch(turnpikeCommand([
      'serve', `--data-dir=${dataDir}`, '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1',
      `--min-port=${min}`, `--max-port=${max}`, `--http-port=${http}`, '--log-file=stdout',
    ]), printed(['ice-servers']), { keep: 50_000 });
    base = `http://127.0.0.1:${http}`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a wrong password: the page shows why the server refused it', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/trickle-ice/`);
    const url = `turn:127.0.0.1:${port}?transport=tcp`;
    await page.locator('.server-row').first().waitFor();
    assert.match((await page.locator('#server-version').textContent()) ?? '', /^Turnpike 0\.1\.0 · realm turnpike$/, 'the version once');
    // Only the TCP TURN URL, with the password spoilt.
    const rows = page.locator('.server-row');
    for (let i = (await rows.count()) - 1; i >= 0; i--) {
      if ((await rows.nth(i).locator('.url').inputValue()) !== url) await rows.nth(i).locator('.remove').click();
    }
    assert.equal(await rows.count(), 1);
    await rows.first().getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Gather candidates' }).click();
    await page.locator('tr.done-row').waitFor({ timeout: 60_000 });
    const says = page.locator(`#verdicts li[data-url="${url}"] .server-says`);
    await says.waitFor({ timeout: 10_000 });
    assert.match((await says.textContent()) ?? '', /This server says: wrong password for user '\d+:trickle-ice' in realm 'turnpike'\. Hint: the key is MD5/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('trickle-ice-own-server-401.png', ARTIFACTS).pathname, fullPage: true });
    await page.close();
  });
});
