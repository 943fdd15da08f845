/**
 * Transport-wide feedback to a publisher on the native media path: unchanged ion-sdk-js in
 * headless Chromium publishes VP8 simulcast; the SFU's answer accepts `transport-cc` (feedback
 * and the sequence-number extension) and its router reports every packet's arrival.
 *
 * Chromium's send-side estimator, fed by those reports, probes its uplink within a second. Without
 * them it has only the SFU's REMB: with `[router] maxbandwidth = 0` (no REMB) it starts at
 * 300 kbit/s and climbs 8 % a second (612 kbit/s after 10 s, measured), and with a REMB it takes
 * the REMB's figure as it is, measuring nothing. So an estimate past 2.5 Mbit/s within 10 s with
 * no REMB shows the feedback parses in Chromium and drives its estimate; and with the default
 * REMB (1,500 kbit/s) the cap still holds.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { shutdownWebrtc } from '../../src/sfu/index.ts';
import type { SfuServer } from '../../src/sfu/http-server.ts';
import { noChromium, waitInPage } from '../sfu/helpers/browser.ts';
import { loopbackSfuAndBrowser, openDriverPage, simulcastDriver } from './ion-pages.ts';

after(() => shutdownWebrtc());

/** The publisher connection's answer and Chromium's outgoing estimate (bit/s) on it. */
const PUBLISHER = `
window.answer = () => client.transports[0].pc.remoteDescription?.sdp ?? '';
window.estimate = async () => {
  let bps = 0;
  (await client.transports[0].pc.getStats()).forEach((s) => {
    if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate) bps = s.availableOutgoingBitrate;
  });
  return bps;
};
`;

const estimate = (page: Page): Promise<number> => page.evaluate(() => (window as any).estimate());

/** A simulcast publisher in `room`, once its answer is in. */
async function publish(server: SfuServer, browser: Browser, room: string): Promise<Page> {
  const page = await openDriverPage(browser, `${server.url}/demo/`, simulcastDriver(room, 'hd') + PUBLISHER, `${room}/pub`);
  await page.evaluate(() => (window as any).start('pub', true));
  await waitInPage(page, async () => (window as any).answer().includes('m=video'), null, 'the answer to the video offer', 15_000);
  return page;
}

test('a Chromium publisher probes its uplink on the SFU’s transport-wide feedback', { skip: noChromium, timeout: 60_000 }, async (t) => {
  const { server, browser } = await loopbackSfuAndBrowser(t, 'native', { maxBandwidth: 0 });
  const page = await publish(server, browser, 'feedback-no-remb');
  const answer: string = await page.evaluate(() => (window as any).answer());
  assert.match(answer, /a=rtcp-fb:\d+ transport-cc/, 'transport-cc feedback accepted');
  assert.match(answer, /a=extmap:\d+ http:\/\/www\.ietf\.org\/id\/draft-holmer-rmcat-transport-wide-cc-extensions-01/, 'the sequence-number extension accepted');
  await waitInPage(page, async () => (await (window as any).estimate()) > 2_500_000, null, 'an estimate past 2.5 Mbit/s', 10_000);
  const media = server.sfu.stats().media;
  assert.ok(media.feedbackToPublishers > 0, 'feedback messages sent');
  await page.close();
});

test('with transport-wide feedback, the REMB cap (maxbandwidth) still holds', { skip: noChromium, timeout: 60_000 }, async (t) => {
  const { server, browser } = await loopbackSfuAndBrowser(t, 'native');
  const page = await publish(server, browser, 'feedback-remb');
  await waitInPage(page, async () => (await (window as any).estimate()) > 0, null, 'an estimate', 10_000);
  await new Promise((r) => setTimeout(r, 3000)); // long enough for probing to have gone past it
  const bps = await estimate(page);
  assert.ok(bps <= 1_500_000, `the estimate ${bps} bit/s, under the 1,500 kbit/s REMB`);
  assert.ok(server.sfu.stats().media.feedbackToPublishers > 10, 'feedback every 100 ms');
  await page.close();
});
