/**
 * A publisher behind a constrained uplink, on the native media path: unchanged ion-sdk-js in a
 * headless Chromium inside its own network namespace publishes VP8 simulcast q/h/f (960×540) to
 * the SFU over a veth pair whose namespace side is shaped with `tc tbf` (400 ms of queue). The
 * SFU's transport-wide feedback shows Chromium the queue growing: its estimate falls under the
 * limit, it stops sending its top layer, and the queue drains (the round trip falls back under
 * 150 ms from the 400 ms a full queue adds); when the limit is lifted, it probes back up. Needs root (ip netns, tc).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { shutdownWebrtc } from '../../src/sfu/index.ts';
import { waitInPage } from '../sfu/helpers/browser.ts';
import { openDriverPage, simulcastDriver } from './ion-pages.ts';
import { canShape, sfuOnShapedLink } from './shaped-link.ts';

after(() => shutdownWebrtc());

/** The publisher's estimate, round trip and bytes sent per simulcast layer. */
const UPLINK = `
window.uplink = async () => {
  const out = { bps: 0, rttMs: 0, bytes: {} };
  (await client.transports[0].pc.getStats()).forEach((s) => {
    if (s.type === 'candidate-pair' && s.nominated) {
      out.bps = s.availableOutgoingBitrate || 0;
      out.rttMs = (s.currentRoundTripTime || 0) * 1000;
    }
    if (s.type === 'outbound-rtp' && s.kind === 'video') out.bytes[s.rid] = s.bytesSent || 0;
  });
  return out;
};
`;

interface Uplink {
  bps: number;
  rttMs: number;
  bytes: Record<string, number>;
}

const uplink = (page: Page): Promise<Uplink> => page.evaluate(() => (window as any).uplink());

/** kbit/s each layer sent over `ms`. */
async function layerRates(page: Page, ms: number): Promise<Record<string, number>> {
  const a = await uplink(page);
  await new Promise((r) => setTimeout(r, ms));
  const b = await uplink(page);
  return Object.fromEntries(Object.keys(b.bytes).map((rid) => [rid, Math.round(((b.bytes[rid] - (a.bytes[rid] ?? 0)) * 8) / ms)]));
}

/** Waits (20 s at most) until the top layer's rate over a second satisfies `ok`; returns every layer's. */
async function topLayer(page: Page, ok: (kbps: number) => boolean, what: string): Promise<Record<string, number>> {
  const end = Date.now() + 20_000;
  for (;;) {
    const rates = await layerRates(page, 1000);
    if (ok(rates.f ?? 0)) return rates;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(rates)}`);
  }
}

test('a publisher behind 600 kbit/s lowers its estimate and drops its top layer, then climbs back', { skip: canShape(), timeout: 120_000 }, async (t) => {
  // No REMB: the estimate is Chromium's own, from the feedback.
  const { link, server, launch } = await sfuOnShapedLink(t, 'native', { maxBandwidth: 0 });
  const browser = await launch(true);
  const pub = await openDriverPage(browser, `${server.url}/demo/`, simulcastDriver('uplink-room', 'shd') + UPLINK, 'publisher');
  await pub.evaluate(() => (window as any).start('sender', true));

  // Unconstrained: Chromium probes past 1.2 Mbit/s (without feedback it would climb 8 % a second from 300 kbit/s) and sends all three layers.
  await waitInPage(pub, async () => (await (window as any).uplink()).bps > 1_200_000, null, 'an estimate above 1.2 Mbit/s, unconstrained', 30_000);
  await topLayer(pub, (kbps) => kbps > 100, 'the top layer sent');

  // 600 kbit/s: the feedback shows the queue growing; the estimate falls under the limit, the
  // top layer stops, and the queue drains.
  link.limitUplink('600kbit');
  await waitInPage(pub, async () => (await (window as any).uplink()).bps < 600_000, null, 'the estimate under the 600 kbit/s limit', 30_000);
  const stopped = await topLayer(pub, (kbps) => kbps < 30, 'the top layer stopped');
  // The queue filled before the estimate fell (the round trip reached 400 ms and more); sending
  // under the limit drains it.
  await waitInPage(pub, async () => (await (window as any).uplink()).rttMs < 150, null, 'the queue drained: a round trip under 150 ms while limited', 20_000);
  const limited = await uplink(pub);

  // Lifted: it probes back up and sends the top layer again.
  link.liftUplink();
  await waitInPage(pub, async () => (await (window as any).uplink()).bps > 1_200_000, null, 'the estimate back above 1.2 Mbit/s', 30_000);
  const back = await topLayer(pub, (kbps) => kbps > 100, 'the top layer back');
  const media = server.sfu.stats().media;
  console.log(JSON.stringify({ limited, stopped, back, feedback: media.feedbackToPublishers }));
  assert.ok(media.feedbackToPublishers > 0);
});
