/**
 * Every way unchanged ion-sdk-js (its own bundle, from the SFU's /demo page) publishes, on the
 * SFU's native media path, in one headless Chromium:
 * - camera and microphone with `simulcast: true` on one connection (RTP demultiplexed by MID and
 *   RID), the subscriber moving high → low → medium while audio keeps flowing;
 * - a screen share (`LocalStream.getDisplayMedia`: headless Chromium with a fake media device
 *   captures a fake 1280×720 screen, no flag needed);
 * - audio only;
 * - VP9 and H.264 with `simulcast: true`. H.264 is real simulcast (three OpenH264 encoders, one
 *   RTP stream per RID) and switches like VP8. Chromium sends VP9 with three RIDs and no
 *   scalability mode as ONE stream on the first RID, spatial SVC (L2T3_KEY/L3T3_KEY, from its
 *   bandwidth estimate). The router lets its spatial layers stand for simulcast layers, so
 *   `preferLayer('low')` leaves the upper spatial layers out and the decoded size drops to the
 *   lowest layer's, and `preferLayer('high')` brings them back; `preferFramerate('low')` keeps
 *   temporal layer 0 of each picture alone, and fewer frames a second are decoded.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { shutdownWebrtc } from '../../src/sfu/index.ts';
import type { SfuServer } from '../../src/sfu/http-server.ts';
import { noChromium, waitInPage } from '../sfu/helpers/browser.ts';
import { framerateChoice, loopbackSfuAndBrowser, openDriverPage, PLAY_RECEIVED } from './ion-pages.ts';

/** What a page publishes: ion-sdk-js LocalStream constraints, from the camera or the screen. */
interface Publish {
  readonly source: 'camera' | 'screen';
  readonly codec: 'vp8' | 'vp9' | 'h264';
  readonly audio: boolean;
  readonly video: boolean;
  readonly simulcast: boolean;
}

/** What a subscriber page reads from its inbound-rtp stats. */
interface Received {
  readonly video: { frames: number; width: number };
  readonly audio: { samples: number; packets: number; lost: number };
}

/**
 * `start(name, room, publish?)` joins `room` through the page's /ws and publishes when told; a
 * subscriber plays what it receives in muted elements (Chromium decodes audio only while played)
 * and keeps the remote video stream as `window.remote`. `received()` reads the subscriber's
 * inbound-rtp stats; `sent()` the publisher's outbound-rtp ones.
 */
const DRIVER = `${PLAY_RECEIVED}
window.start = async (name, room, pub) => {
  const signal = new Signal.IonSFUJSONRPCSignal(location.origin.replace('http', 'ws') + '/ws');
  const client = new IonSDK.Client(signal, { codec: pub ? pub.codec : 'vp8', iceServers: [] });
  window.client = client;
  client.ontrack = (track, stream) => {
    if (track.kind === 'video') window.remote = stream;
    playReceived(track, stream);
  };
  await new Promise((resolve) => (signal.onopen = resolve));
  await client.join(room, name);
  if (!pub) return;
  const constraints = { resolution: 'hd', codec: pub.codec, audio: pub.audio, video: pub.video, simulcast: pub.simulcast };
  const local = pub.source === 'screen' ? await IonSDK.LocalStream.getDisplayMedia(constraints) : await IonSDK.LocalStream.getUserMedia(constraints);
  client.publish(local);
};
window.received = async () => {
  const out = { video: { frames: 0, width: 0 }, audio: { samples: 0, packets: 0, lost: 0 } };
  (await client.getSubStats(null)).forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    if (s.kind === 'video') out.video = { frames: s.framesDecoded || 0, width: s.frameWidth || 0 };
    if (s.kind === 'audio') out.audio = { samples: s.totalSamplesReceived || 0, packets: s.packetsReceived || 0, lost: s.packetsLost || 0 };
  });
  return out;
};
window.sent = async () => {
  const out = [];
  (await client.getPubStats(null)).forEach((s) => {
    if (s.type === 'outbound-rtp') out.push({ kind: s.kind, rid: s.rid, width: s.frameWidth, mode: s.scalabilityMode, frames: s.framesEncoded, encoder: s.encoderImplementation });
  });
  return out;
};
`;

after(() => shutdownWebrtc());

const received = (page: Page): Promise<Received> => page.evaluate(() => (window as any).received());

/** A publisher and a subscriber in `room`, each on its own page; the subscriber joins first. */
async function pair(server: SfuServer, browser: Browser, room: string, pub: Publish): Promise<{ publisher: Page; subscriber: Page }> {
  const open = (name: string) => openDriverPage(browser, `${server.url}/demo/`, DRIVER, `${room}/${name}`);
  const [publisher, subscriber] = await Promise.all([open('pub'), open('sub')]);
  await subscriber.evaluate((r) => (window as any).start('sub', r, null), room);
  await publisher.evaluate(([r, p]) => (window as any).start('pub', r, p), [room, pub] as const);
  return { publisher, subscriber };
}

/** Waits until the subscriber has decoded more frames (and, with `audio`, received more audio) than at `from`. */
async function keepsFlowing(page: Page, from: Received, audio: boolean, what: string): Promise<Received> {
  await waitInPage(page, async (f) => {
    const r = await (window as any).received();
    return r.video.frames > f.video.frames + 10 && (!f.audio || (r.audio.samples > f.audio.samples && r.audio.packets > f.audio.packets));
  }, { video: from.video, audio: audio ? from.audio : null }, what, 15_000);
  return received(page);
}

/** Waits for the decoded width to be within [lo, hi]. */
async function widthIn(page: Page, lo: number, hi: number, what: string): Promise<Received> {
  await waitInPage(page, async ([a, b]) => {
    const w = (await (window as any).received()).video.width;
    return w >= a && w <= b;
  }, [lo, hi], what, 15_000);
  return received(page);
}

/** Audio arrived almost whole (loopback loses nothing; a few packets around renegotiation at most). */
function assertAudioWhole(r: Received): void {
  assert.ok(r.audio.packets > 0, 'audio arrived');
  assert.ok(r.audio.lost <= Math.max(5, r.audio.packets * 0.02), `audio lost ${r.audio.lost} of ${r.audio.packets}`);
}

/** The publisher's video RTP streams (outbound-rtp), as Chromium reports them. */
async function sentVideo(page: Page): Promise<{ rid?: string; width?: number; mode?: string; encoder?: string }[]> {
  return (await page.evaluate(() => (window as any).sent())).filter((s: { kind: string }) => s.kind === 'video');
}

test('ion-sdk-js publish paths on the native media path', { skip: noChromium, timeout: 90_000 }, async (t) => {
  const { server, browser } = await loopbackSfuAndBrowser(t, 'native');

  await t.test('camera + microphone, VP8 simulcast on one connection: high → low → medium, audio throughout', async () => {
    const { publisher, subscriber } = await pair(server, browser, 'native-vp8', { source: 'camera', codec: 'vp8', audio: true, video: true, simulcast: true });
    await widthIn(subscriber, 1280, Infinity, 'the high layer');
    await waitInPage(subscriber, async () => (await (window as any).received()).audio.samples > 0, null, 'audio');
    let r = await received(subscriber);
    await subscriber.evaluate(() => (window as any).remote.preferLayer('low'));
    await widthIn(subscriber, 1, 320, 'the low layer');
    r = await keepsFlowing(subscriber, r, true, 'video and audio after the switch to low');
    await subscriber.evaluate(() => (window as any).remote.preferLayer('medium'));
    await widthIn(subscriber, 321, 1279, 'the medium layer');
    r = await keepsFlowing(subscriber, r, true, 'video and audio after the switch to medium');
    assertAudioWhole(r);
    assert.deepEqual((await sentVideo(publisher)).map((s) => s.rid).sort(), ['f', 'h', 'q'], 'three simulcast streams');
    const stats = server.sfu.stats();
    assert.ok(stats.media.pliToPublishers > 0, 'the switches asked the publisher for keyframes');
    assert.ok(stats.media.dropped <= stats.media.rtpIn * 0.01, `router dropped ${stats.media.dropped} of ${stats.media.rtpIn}`);
    await Promise.all([publisher.close(), subscriber.close()]);
  });

  await t.test('screen share (LocalStream.getDisplayMedia)', async () => {
    const { publisher, subscriber } = await pair(server, browser, 'native-screen', { source: 'screen', codec: 'vp8', audio: false, video: true, simulcast: false });
    await waitInPage(subscriber, async () => (await (window as any).received()).video.frames > 5, null, 'screen frames decoded');
    assert.equal((await received(subscriber)).video.width, 1280, "the fake screen's size");
    await Promise.all([publisher.close(), subscriber.close()]);
  });

  await t.test('audio only', async () => {
    const { publisher, subscriber } = await pair(server, browser, 'native-audio', { source: 'camera', codec: 'vp8', audio: true, video: false, simulcast: false });
    await waitInPage(subscriber, async () => (await (window as any).received()).audio.samples > 0, null, 'audio samples');
    const r = await received(subscriber);
    await waitInPage(subscriber, async (n) => (await (window as any).received()).audio.samples > n, r.audio.samples, 'more audio samples');
    assertAudioWhole(await received(subscriber));
    await Promise.all([publisher.close(), subscriber.close()]);
  });

  await t.test('H.264 simulcast (camera + microphone): decoded, then the low layer', async () => {
    const { publisher, subscriber } = await pair(server, browser, 'native-h264', { source: 'camera', codec: 'h264', audio: true, video: true, simulcast: true });
    await widthIn(subscriber, 1280, Infinity, 'the high layer');
    let r = await keepsFlowing(subscriber, await received(subscriber), true, 'H.264 video and audio');
    await subscriber.evaluate(() => (window as any).remote.preferLayer('low'));
    await widthIn(subscriber, 1, 320, 'the low layer');
    r = await keepsFlowing(subscriber, r, true, 'video and audio after the switch to low');
    assertAudioWhole(r);
    assert.deepEqual((await sentVideo(publisher)).map((s) => s.rid).sort(), ['f', 'h', 'q'], 'three simulcast streams');
    await Promise.all([publisher.close(), subscriber.close()]);
  });

  await t.test('VP9 "simulcast" (camera + microphone): one SVC stream, its spatial layers switched like simulcast layers', async () => {
    const { publisher, subscriber } = await pair(server, browser, 'native-vp9', { source: 'camera', codec: 'vp9', audio: true, video: true, simulcast: true });
    await waitInPage(subscriber, async () => (await (window as any).received()).video.frames > 10, null, 'VP9 frames decoded');
    const video = await sentVideo(publisher);
    assert.equal(video.length, 1, `one VP9 stream, not simulcast: ${JSON.stringify(video)}`);
    assert.match(video[0].mode ?? '', /^L\dT\d/, 'spatial/temporal SVC');
    // The top spatial layer first (two or three of them, as the publisher's estimate allows).
    await widthIn(subscriber, 640, Infinity, 'an upper spatial layer');
    const top = (await received(subscriber)).video.width;
    let r = await received(subscriber);
    await subscriber.evaluate(() => (window as any).remote.preferLayer('low'));
    const low = (await widthIn(subscriber, 1, top / 2, 'the lowest spatial layer alone')).video.width;
    r = await keepsFlowing(subscriber, r, true, 'VP9 video and audio on the lowest spatial layer');
    await subscriber.evaluate(() => (window as any).remote.preferLayer('high'));
    // Upper layers back (the encoder may have scaled its layers down meanwhile on a busy machine).
    await widthIn(subscriber, low * 1.5, Infinity, 'the upper spatial layers back');
    r = await keepsFlowing(subscriber, r, true, 'VP9 video and audio on the top layer again');
    // preferFramerate('low'): temporal layer 0 of each picture alone (L3T3: a quarter of them).
    const { full, low: lowRate, back } = await framerateChoice(subscriber, async () => (await received(subscriber)).video.frames);
    t.diagnostic(`VP9 frames a second: ${full}, ${lowRate} with preferFramerate('low'), ${back} back at 'high'`);
    assert.ok(lowRate > 0 && lowRate < full * 0.6 && lowRate < back * 0.6, `VP9 at the low frame rate: ${full} → ${lowRate} → ${back}`);
    r = await keepsFlowing(subscriber, await received(subscriber), true, 'VP9 video and audio at the full frame rate again');
    // Audio is never shed (only video is), so three spatial layers of key pictures cost it nothing.
    t.diagnostic(`VP9: audio lost ${r.audio.lost} of ${r.audio.packets}`);
    assertAudioWhole(r);
    await Promise.all([publisher.close(), subscriber.close()]);
  });
});
