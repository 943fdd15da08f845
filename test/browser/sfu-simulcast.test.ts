/**
 * Simulcast with unchanged ion-sdk-js in headless Chromium: A publishes a video-only LocalStream
 * with `simulcast: true` (RIDs f/h/q); B starts on the best layer, then asks for the low one
 * through the `ion-sfu` channel (RemoteStream.preferLayer) and keeps decoding at the smaller size.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { shutdownWebrtc } from '../../src/sfu/index.ts';
import { launchBrowser, noChromium, startLoopbackSfu, waitInPage } from '../sfu/helpers/browser.ts';

const DRIVER = `
window.start = async (name, publish) => {
  const signal = new Signal.IonSFUJSONRPCSignal(location.origin.replace('http', 'ws') + '/ws');
  const client = new IonSDK.Client(signal, { codec: 'vp8', iceServers: [] });
  window.client = client;
  client.ontrack = (track, stream) => { if (track.kind === 'video') window.remote = stream; };
  await new Promise((resolve) => (signal.onopen = resolve));
  await client.join('simulcast-room', name);
  if (publish) {
    const local = await IonSDK.LocalStream.getUserMedia({ resolution: 'hd', audio: false, video: true, codec: 'vp8', simulcast: true });
    client.publish(local);
  }
};
window.video = async () => {
  let out = { frames: 0, width: 0 };
  (await client.getSubStats(null)).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') out = { frames: s.framesDecoded || 0, width: s.frameWidth || 0 };
  });
  return out;
};
`;

after(() => shutdownWebrtc());

test('simulcast: best layer first, then the low layer on request', { skip: noChromium, timeout: 60_000 }, async (t) => {
  const server = await startLoopbackSfu();
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  const open = async (): Promise<Page> => {
    // The test's own driver is injected inline; the demo page's policy rightly refuses inline scripts.
    const page = await browser.newPage({ bypassCSP: true });
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${server.url}/demo/`);
    await page.addScriptTag({ content: DRIVER });
    return page;
  };
  const [a, b] = await Promise.all([open(), open()]);
  await b.evaluate(() => (window as any).start('viewer', false));
  await a.evaluate(() => (window as any).start('sender', true));

  await waitInPage(b, async () => (await (window as any).video()).width >= 1280, null, 'the high layer');
  await b.evaluate(() => (window as any).remote.preferLayer('low'));
  await waitInPage(b, async () => {
    const v = await (window as any).video();
    return v.width > 0 && v.width <= 320;
  }, null, 'the low layer');
  const before = (await b.evaluate(() => (window as any).video())).frames;
  await waitInPage(b, async (n) => (await (window as any).video()).frames > n + 5, before, 'frames decoded after the switch', 10_000);
  assert.ok(server.sfu.stats().media.pliToPublishers > 0, 'the switch asked the publisher for a keyframe');
});
