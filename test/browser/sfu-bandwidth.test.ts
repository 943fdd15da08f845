/**
 * Bandwidth-aware forwarding with unchanged ion-sdk-js in headless Chromium, over a constrained
 * link. The subscriber's Chromium runs in its own network namespace, joined to the SFU by a veth
 * pair; the root side of the pair (what the SFU sends towards the subscriber) is shaped with
 * `tc tbf`. The publisher's Chromium stays in the root namespace and sends simulcast q/h/f
 * (960×540) unshaped. The subscriber starts on the high layer; under 200 kbit/s its
 * transport-wide feedback shows the queue growing, the SFU moves it to the low layer, and it
 * keeps decoding with few freezes; when the limit is lifted it climbs back. Needs root
 * (ip netns, tc); skipped otherwise.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { shutdownWebrtc } from '../../src/sfu/index.ts';
import type { SubscriberBandwidthReport } from '../../src/sfu/media/subscriber-bandwidth.ts';
import { testMediaPath, waitInPage } from '../sfu/helpers/browser.ts';
import { openDriverPage, simulcastDriver } from './ion-pages.ts';
import { canShape, sfuOnShapedLink } from './shaped-link.ts';

const DRIVER = simulcastDriver('bandwidth-room', 'shd');

after(() => shutdownWebrtc());

interface Video {
  frames: number;
  width: number;
  freezes: number;
}

test('a subscriber behind 200 kbit/s settles on the low layer, then climbs back', { skip: canShape(), timeout: 90_000 }, async (t) => {
  const { link, server, launch } = await sfuOnShapedLink(t, testMediaPath);
  const sfu = server.sfu;
  const publisherBrowser = await launch(false);
  const subscriberBrowser = await launch(true);
  const demo = `${server.url}/demo/`;
  const [pub, sub] = await Promise.all([
    openDriverPage(publisherBrowser, demo, DRIVER, 'publisher'),
    openDriverPage(subscriberBrowser, demo, DRIVER, 'subscriber'),
  ]);
  await sub.evaluate(() => (window as any).start('viewer', false));
  await pub.evaluate(() => (window as any).start('sender', true));
  const video = (): Promise<Video> => sub.evaluate(() => (window as any).video());
  const report = (): SubscriberBandwidthReport | undefined => sfu.stats().bandwidth.find((b) => b.layers.length > 0);
  const waitSfu = async (what: string, ok: (r: SubscriberBandwidthReport) => boolean, timeoutMs: number): Promise<SubscriberBandwidthReport> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = report();
      if (r && ok(r)) return r;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(r)} ${JSON.stringify(sfu.stats().media)}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  };

  // Unconstrained: the high layer, and the subscriber's feedback gives an estimate.
  await waitInPage(sub, async () => (await (window as any).video()).width >= 960, null, 'the high layer', 30_000);
  await waitSfu('an estimate from the subscriber', (r) => r.estimateBps !== undefined && r.layers[0] === 2, 20_000);

  // Constrained: down to the low layer, still decoding.
  link.limit('200kbit');
  await waitSfu('the low layer under 200 kbit/s', (r) => r.layers[0] === 0 && r.caps[0] === 0, 30_000);
  await waitInPage(sub, async () => {
    const v = await (window as any).video();
    return v.width > 0 && v.width <= 240;
  }, null, 'the low layer decoded', 20_000);
  const settled: Video = await video();
  await waitInPage(sub, async (n) => (await (window as any).video()).frames > n + 60, settled.frames, 'frames decoded on the low layer', 30_000);
  const afterLow: Video = await video();
  const limited = report();
  const freezes = afterLow.freezes - settled.freezes;
  assert.ok(freezes <= 5, `few freezes while limited: ${freezes} in ${afterLow.frames - settled.frames} frames`);
  assert.ok(limited && (limited.estimateBps ?? 0) < limited.costs[0][1], 'while limited, the estimate stays below what the medium layer costs');

  // Lifted: the estimate grows past the medium layer's cost, and the subscriber follows.
  link.lift();
  const up = await waitSfu('a higher layer, with an estimate that carries it', (r) => r.layers[0] >= 1 && (r.estimateBps ?? 0) >= r.costs[0][1], 45_000);
  await waitInPage(sub, async () => (await (window as any).video()).width >= 480, null, 'a larger picture decoded', 20_000);
  const media = sfu.stats().media;
  console.log(JSON.stringify({ limited, freezes, frames: afterLow.frames - settled.frames, up, media }));
  assert.ok(media.bandwidthFeedback > 0, 'the subscriber sent bandwidth feedback');
  assert.ok(media.bandwidthLayerDowns >= 1 && media.bandwidthLayerUps >= 1, 'the cap went down and up again');
  assert.ok(media.pausedLayerPackets > 0, 'layers nobody received were not forwarded');
});
