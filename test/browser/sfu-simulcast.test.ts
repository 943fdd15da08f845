/**
 * Simulcast with unchanged ion-sdk-js in headless Chromium: A publishes a video-only LocalStream
 * with `simulcast: true` (RIDs f/h/q); B starts on the best layer, then asks for the low one
 * through the `ion-sfu` channel (RemoteStream.preferLayer) and keeps decoding at the smaller size.
 * Each layer B receives is told to it in an `activeLayer` notice (ion-sdk-js client.onactivelayer).
 * Then B asks for the low frame rate (RemoteStream.preferFramerate) and decodes fewer frames,
 * and for the high one again.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { shutdownWebrtc } from '../../src/sfu/index.ts';
import { noChromium, waitInPage } from '../sfu/helpers/browser.ts';
import { framerateChoice, loopbackSfuAndBrowser, openDriverPage, simulcastDriver } from './ion-pages.ts';

const DRIVER = simulcastDriver('simulcast-room', 'hd');

after(() => shutdownWebrtc());

test('simulcast: best layer first, then the low layer on request', { skip: noChromium, timeout: 60_000 }, async (t) => {
  const { server, browser } = await loopbackSfuAndBrowser(t);
  const open = (name: string) => openDriverPage(browser, `${server.url}/demo/`, DRIVER, name);
  const [a, b] = await Promise.all([open('sender'), open('viewer')]);
  await b.evaluate(() => (window as any).start('viewer', false));
  await a.evaluate(() => (window as any).start('sender', true));

  await waitInPage(b, async () => (await (window as any).video()).width >= 1280, null, 'the high layer');
  const told = (layer: string) => waitInPage(b, (l) => (window as any).activeLayers.some((a: { activeLayer: string }) => a.activeLayer === l), layer, `an activeLayer notice of the ${layer} layer`, 10_000);
  await told('high');
  // Each change is told: once the publisher sends all three layers, a notice lists them.
  await waitInPage(
    b,
    () => (window as any).activeLayers.some((a: { activeLayer: string; availableLayers: string[] }) => a.activeLayer === 'high' && a.availableLayers.join() === 'low,medium,high'),
    null,
    'a notice of the high layer listing all three',
    10_000,
  );
  const first = await b.evaluate(() => (window as any).activeLayers.find((a: { activeLayer: string }) => a.activeLayer === 'high'));
  assert.equal(first.streamId, await b.evaluate(() => (window as any).remote.id), 'named by the remote stream id');
  await b.evaluate(() => (window as any).remote.preferLayer('low'));
  await waitInPage(b, async () => {
    const v = await (window as any).video();
    return v.width > 0 && v.width <= 320;
  }, null, 'the low layer');
  await told('low');
  const before = (await b.evaluate(() => (window as any).video())).frames;
  await waitInPage(b, async (n) => (await (window as any).video()).frames > n + 5, before, 'frames decoded after the switch', 10_000);
  assert.ok(server.sfu.stats().media.pliToPublishers > 0, 'the switch asked the publisher for a keyframe');

  // preferFramerate: Chromium sends each simulcast stream in three temporal layers (L1T3); low
  // keeps layer 0 alone, a quarter of the pictures, high all of them again.
  const { full, low, back } = await framerateChoice(b, async () => (await b.evaluate(() => (window as any).video())).frames);
  t.diagnostic(`frames a second: ${full} at first, ${low} with preferFramerate('low'), ${back} back at 'high'`);
  assert.ok(low > 0, 'still decoding');
  assert.ok(low < full * 0.6 && low < back * 0.6, `fewer frames at the low frame rate: ${full} → ${low} → ${back}`);
  assert.ok(server.sfu.stats().media.temporalLayerPackets > 0, 'the packets of the upper temporal layers were left out');
});
