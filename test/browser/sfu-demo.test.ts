/**
 * The /demo room driven the way people use it, in headless Chromium: three people type a room
 * and a name and press Join; everyone sees everyone's camera tile with a name and moving video;
 * a chat line typed by one reaches the others; when one leaves, their tile disappears for the
 * others. A screenshot of one participant's view goes to test-artifacts/demo.png.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { shutdownWebrtc } from '../../src/sfu/index.ts';
import { launchBrowser, noChromium, startLoopbackSfu } from '../sfu/helpers/browser.ts';

after(() => shutdownWebrtc());

/** Captions of the tiles whose video is actually playing frames. */
function playingTiles(page: Page): Promise<string[]> {
  return page.$$eval('#tiles figure', (figs) =>
    figs
      .filter((f) => {
        const v = f.querySelector('video') as HTMLVideoElement;
        return v.videoWidth > 0 && (v.getVideoPlaybackQuality?.().totalVideoFrames ?? 0) > 0;
      })
      .map((f) => f.querySelector('figcaption')?.textContent ?? '')
      .sort(),
  );
}

test('the /demo room: join, see each other, chat, leave', { skip: noChromium, timeout: 90_000 }, async (t) => {
  const server = await startLoopbackSfu();
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await server.close();
  });

  const person = async (name: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('pageerror', (e) => console.error(`[${name}] ${e.message}`));
    await page.goto(`${server.url}/demo/`);
    await page.fill('#room', 'demo-room');
    await page.fill('#name', name);
    await page.selectOption('#source', 'camera');
    await page.click('#join');
    await page.waitForSelector('#room-view:not([hidden])');
    return page;
  };
  const ada = await person('Ada');
  const grace = await person('Grace');
  const linus = await person('Linus');

  // Everyone sees the two others by name, with frames decoded, plus their own preview.
  const expected: Record<string, string[]> = {
    Ada: ['Ada (you)', 'Grace', 'Linus'],
    Grace: ['Ada', 'Grace (you)', 'Linus'],
    Linus: ['Ada', 'Grace', 'Linus (you)'],
  };
  for (const [name, page] of [['Ada', ada], ['Grace', grace], ['Linus', linus]] as const) {
    await page.waitForFunction(
      (want) => {
        const figs = Array.from(document.querySelectorAll('#tiles figure'));
        const playing = figs.filter((f) => {
          const v = f.querySelector('video') as HTMLVideoElement;
          return v.videoWidth > 0 && (v.getVideoPlaybackQuality?.().totalVideoFrames ?? 0) > 0;
        });
        return JSON.stringify(playing.map((f) => f.querySelector('figcaption')?.textContent).sort()) === JSON.stringify(want);
      },
      expected[name],
      { timeout: 30_000, polling: 200 },
    );
    assert.deepEqual(await playingTiles(page), expected[name]);
  }

  // Ada types a chat line; Grace and Linus read it.
  await ada.fill('#chat-input', 'Hello everyone!');
  await ada.press('#chat-input', 'Enter');
  for (const page of [grace, linus]) {
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#messages li')).some((li) => li.textContent === 'Ada: Hello everyone!'), null, { timeout: 10_000 });
  }
  await grace.fill('#chat-input', 'Hi Ada');
  await grace.click('#chat-form button');
  await ada.waitForFunction(() => Array.from(document.querySelectorAll('#messages li')).some((li) => li.textContent === 'Grace: Hi Ada'), null, { timeout: 10_000 });

  await mkdir('test-artifacts', { recursive: true });
  await grace.screenshot({ path: 'test-artifacts/demo.png' });

  // Ada leaves: her tile goes away for Grace and Linus.
  await ada.click('#leave');
  for (const page of [grace, linus]) {
    await page.waitForFunction(() => !Array.from(document.querySelectorAll('#tiles figcaption')).some((c) => c.textContent === 'Ada'), null, { timeout: 15_000 });
  }
  assert.deepEqual(await playingTiles(grace), ['Grace (you)', 'Linus']);
});
