/**
 * Pages for the browser tests that drive unchanged ion-sdk-js: the SFU's /demo page (which loads
 * ion-sdk-js's own bundles from /demo/vendor) with a test's driver script added, a loopback SFU
 * with a Chromium to open them in, and the driver of a simulcast video subscriber.
 */
import type { TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { SfuConfigOverrides } from '../../src/sfu/config-types.ts';
import type { SfuServer } from '../../src/sfu/http-server.ts';
import { launchBrowser, startLoopbackSfu, testMediaPath } from '../sfu/helpers/browser.ts';

/**
 * Opens `url` (a /demo page) in a new page of `browser` and adds `driver` to it; page errors are
 * printed with `name`. The driver is injected inline, which the demo page's policy rightly
 * refuses, so the page bypasses it. A page served by the SFU itself: Chromium only lets
 * loopback pages open loopback sockets.
 */
export async function openDriverPage(browser: Browser, url: string, driver: string, name: string): Promise<Page> {
  const page = await browser.newPage({ bypassCSP: true });
  page.on('pageerror', (e) => console.error(`[${name}] ${e.message}`));
  await page.goto(url);
  await page.addScriptTag({ content: driver });
  return page;
}

/** The standalone SFU on loopback and a headless Chromium, both closed when the test ends. */
export async function loopbackSfuAndBrowser(t: TestContext, mediaPath: 'native' | 'stack' = testMediaPath, router: SfuConfigOverrides['router'] = {}): Promise<{ server: SfuServer; browser: Browser }> {
  const server = await startLoopbackSfu(mediaPath, router);
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  return { server, browser };
}

/**
 * A driver with `start(name, publish)`: joins `room` through the page's own /ws; a publisher
 * sends a video-only simulcast LocalStream at `resolution` (ion-sdk-js's names: 'hd', 'shd'…),
 * a subscriber keeps the remote video stream as `window.remote` and the SFU's `activeLayer`
 * notices (client.onactivelayer) in `window.activeLayers`. `video()` reads the received
 * video's frames decoded, frame width and freeze count from the subscriber's stats.
 */
export function simulcastDriver(room: string, resolution: string): string {
  return `
window.start = async (name, publish) => {
  const signal = new Signal.IonSFUJSONRPCSignal(location.origin.replace('http', 'ws') + '/ws');
  const client = new IonSDK.Client(signal, { codec: 'vp8', iceServers: [] });
  window.client = client;
  client.ontrack = (track, stream) => { if (track.kind === 'video') window.remote = stream; };
  window.activeLayers = [];
  client.onactivelayer = (al) => window.activeLayers.push(al);
  await new Promise((resolve) => (signal.onopen = resolve));
  await client.join(${JSON.stringify(room)}, name);
  if (publish) {
    const local = await IonSDK.LocalStream.getUserMedia({ resolution: ${JSON.stringify(resolution)}, audio: false, video: true, codec: 'vp8', simulcast: true });
    client.publish(local);
  }
};
window.video = async () => {
  let out = { frames: 0, width: 0, freezes: 0 };
  (await client.getSubStats(null)).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') out = { frames: s.framesDecoded || 0, width: s.frameWidth || 0, freezes: s.freezeCount || 0 };
  });
  return out;
};
`;
}

/**
 * Page JavaScript that plays what a client receives: `playReceived(track, stream)` (an
 * `ontrack` handler) lists each track in `window.state.tracks` ({ kind, id, streamId }), counts
 * removed ones in `state.removed`, and plays each in a muted element (Chromium decodes audio
 * only while it is played).
 */
export const PLAY_RECEIVED = `
window.state = { tracks: [], removed: 0 };
window.playReceived = (track, stream) => {
  state.tracks.push({ kind: track.kind, id: track.id, streamId: stream.id });
  const el = document.createElement(track.kind);
  el.muted = true;
  el.srcObject = new MediaStream([track]);
  document.body.append(el);
  el.play().catch(() => {});
  stream.onremovetrack = () => state.removed++;
};
`;

/**
 * A driver with `start(name, publish)`: joins `room` through the page's own /ws, plays what it
 * receives ({@link PLAY_RECEIVED}), and when told publishes camera and microphone (VP8, no
 * simulcast) at `resolution` (ion-sdk-js's names: 'qvga', 'vga'…).
 */
export function cameraDriver(room: string, resolution: string): string {
  return `${PLAY_RECEIVED}
window.start = async (name, publish) => {
  const signal = new Signal.IonSFUJSONRPCSignal(location.origin.replace('http', 'ws') + '/ws');
  const client = new IonSDK.Client(signal, { codec: 'vp8', iceServers: [] });
  window.client = client;
  client.ontrack = playReceived;
  await new Promise((resolve) => (signal.onopen = resolve));
  await client.join(${JSON.stringify(room)}, name);
  if (publish) {
    const local = await IonSDK.LocalStream.getUserMedia({ resolution: ${JSON.stringify(resolution)}, audio: true, video: true, codec: 'vp8', simulcast: false });
    client.publish(local);
  }
};
`;
}

/** Frames decoded a second by the subscriber on `page`: at first, with `preferFramerate('low')`, then back at `high`. */
export async function framerateChoice(page: Page, frames: () => Promise<number>): Promise<{ full: number; low: number; back: number }> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const perSecond = async (): Promise<number> => {
    const at = await frames();
    await sleep(2000);
    return ((await frames()) - at) / 2;
  };
  const full = await perSecond();
  await page.evaluate(() => (window as any).remote.preferFramerate('low'));
  await sleep(500); // taken at the next picture that allows it
  const low = await perSecond();
  await page.evaluate(() => (window as any).remote.preferFramerate('high'));
  await sleep(500);
  return { full, low, back: await perSecond() };
}
