/**
 * ICE restart with unchanged ion-sdk-js (its own browser bundle) in headless Chromium:
 * A publishes camera and microphone, B receives and decodes them.
 *
 * - A calls `restartIce()` on its publisher connection, ion-sdk-js renegotiates with new ICE
 *   credentials, the SFU answers with new credentials of its own (in place on the native path,
 *   from a replacement connection on the stack path, see docs/sfu.md), and B keeps decoding the
 *   same tracks: frames decoded keep rising, no track is added or removed.
 * - B, the receiver, does the same (its network changed): on the native path the SFU then
 *   restarts ICE on B's subscriber connection too, with an offer of new credentials, and B
 *   keeps decoding A's tracks through it.
 */
import { after, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import assert from 'node:assert/strict';
import { shutdownWebrtc } from '../../src/sfu/index.ts';
import { noChromium, testMediaPath, waitInPage } from '../sfu/helpers/browser.ts';
import { cameraDriver, loopbackSfuAndBrowser, openDriverPage } from './ion-pages.ts';

const DRIVER = `${cameraDriver('ice-restart-room', 'vga')}
window.pub = () => client.transports[0].pc;
window.sub = () => client.transports[1].pc;
window.ufrags = (which) => {
  const pc = which === 'sub' ? sub() : pub();
  const u = (d) => (d && /a=ice-ufrag:(\\S+)/.exec(d.sdp) || [])[1];
  return { local: u(pc.localDescription), remote: u(pc.remoteDescription), state: pc.connectionState, signaling: pc.signalingState };
};
window.decoded = async () => {
  const stats = await client.getSubStats(null);
  let video = 0;
  stats.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') video += s.framesDecoded || 0; });
  return video;
};
`;

after(() => shutdownWebrtc());

/** The SFU, A publishing camera and microphone, and B receiving and decoding them. */
async function aPublishesToB(t: TestContext) {
  const { server, browser } = await loopbackSfuAndBrowser(t);
  const open = (name: string) => openDriverPage(browser, `${server.url}/demo/`, DRIVER, name);
  const [a, b] = await Promise.all([open('A'), open('B')]);
  await b.evaluate(() => (window as any).start('bob', false));
  await a.evaluate(() => (window as any).start('alice', true));
  await b.waitForFunction(() => (window as any).state.tracks.length === 2, null, { timeout: 20_000 });
  await waitInPage(b, async () => (await (window as any).decoded()) > 10, null, 'B decodes A before the restart');
  return { server, a, b };
}

/** Waits until `page`'s `which` connection has new ICE credentials on both sides, is stable, and is connected again. */
async function newCredentials(page: Page, which: 'pub' | 'sub', before: { local: string; remote: string }, what: string): Promise<void> {
  const changed = (o: { which: string; old: { local: string; remote: string } }) => {
    const u = (window as any).ufrags(o.which);
    return u.signaling === 'stable' && u.local !== o.old.local && u.remote !== o.old.remote;
  };
  await waitInPage(page, changed, { which, old: before }, what);
  await waitInPage(page, (w: string) => (window as any).ufrags(w).state === 'connected', which, `${what}: connected again`);
}

/** B keeps decoding after a restart: frames decoded rise, the same tracks, none added or removed. */
async function keepsDecoding(b: Page, tracksBefore: string[]): Promise<void> {
  const frames = await b.evaluate(() => (window as any).decoded());
  await waitInPage(b, async (n: number) => (await (window as any).decoded()) > n + 30, frames, 'B keeps decoding after the restart', 30_000);
  const tracksAfter = await b.evaluate(() => (window as any).state.tracks.map((x: any) => x.id).sort());
  assert.deepEqual(tracksAfter, tracksBefore, 'same tracks, none added');
  assert.equal(await b.evaluate(() => (window as any).state.removed), 0, 'none removed');
}

test('ion-sdk-js in Chromium: a publisher ICE restart keeps the subscriber decoding the same tracks', { skip: noChromium, timeout: 90_000 }, async (t) => {
  const { server, a, b } = await aPublishesToB(t);
  await waitInPage(a, () => (window as any).ufrags().state === 'connected', null, 'A publisher connected');
  const before = await a.evaluate(() => (window as any).ufrags());
  const tracksBefore = await b.evaluate(() => (window as any).state.tracks.map((x: any) => x.id).sort());

  await a.evaluate(() => (window as any).pub().restartIce());
  await newCredentials(a, 'pub', before, 'a renegotiation with new ICE credentials on both sides');
  await keepsDecoding(b, tracksBefore);
  const stats = server.sfu.stats();
  assert.equal(stats.peers, 2);
  assert.equal(stats.publishedTracks, 2);
  assert.equal(stats.iceRestarts, 1, 'the SFU answered one ICE restart');
});

test('ion-sdk-js in Chromium: a receiver whose network changed gets its subscriber connection restarted and keeps decoding', { skip: noChromium || testMediaPath !== 'native', timeout: 90_000 }, async (t) => {
  const { server, a, b } = await aPublishesToB(t);
  await waitInPage(b, () => (window as any).ufrags('sub').state === 'connected', null, 'B subscriber connected');
  const before = await b.evaluate(() => (window as any).ufrags('sub'));
  const tracksBefore = await b.evaluate(() => (window as any).state.tracks.map((x: any) => x.id).sort());

  // B's network changed: ion-sdk-js restarts ICE on the connection it offers on.
  await b.evaluate(() => (window as any).pub().restartIce());
  await newCredentials(b, 'sub', before, "the SFU's offer of new ICE credentials on B's subscriber connection, answered");
  await keepsDecoding(b, tracksBefore);
  const stats = server.sfu.stats();
  assert.equal(stats.iceRestarts, 1, "B's publisher connection restarted");
  assert.equal(stats.subscriberIceRestarts, 1, "and the SFU restarted B's subscriber connection");
});
