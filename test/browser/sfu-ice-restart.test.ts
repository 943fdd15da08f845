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
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { shutdownWebrtc } from '../../src/sfu/index.ts';
import { noChromium, testMediaPath, waitInPage } from '../sfu/helpers/browser.ts';
import { loopbackSfuAndBrowser, openDriverPage } from './ion-pages.ts';

const DRIVER = `
window.state = { tracks: [], removed: 0 };
window.start = async (name, publish) => {
  const signal = new Signal.IonSFUJSONRPCSignal(location.origin.replace('http', 'ws') + '/ws');
  const client = new IonSDK.Client(signal, { codec: 'vp8', iceServers: [] });
  window.client = client;
  client.ontrack = (track, stream) => {
    state.tracks.push({ kind: track.kind, id: track.id, streamId: stream.id });
    const el = document.createElement(track.kind);
    el.muted = true;
    el.srcObject = new MediaStream([track]);
    document.body.append(el);
    el.play().catch(() => {});
    stream.onremovetrack = () => state.removed++;
  };
  await new Promise((resolve) => (signal.onopen = resolve));
  await client.join('ice-restart-room', name);
  if (publish) {
    const local = await IonSDK.LocalStream.getUserMedia({ resolution: 'vga', audio: true, video: true, codec: 'vp8', simulcast: false });
    client.publish(local);
  }
};
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

test('ion-sdk-js in Chromium: a publisher ICE restart keeps the subscriber decoding the same tracks', { skip: noChromium, timeout: 90_000 }, async (t) => {
  const { server, browser } = await loopbackSfuAndBrowser(t);
  const open = (name: string) => openDriverPage(browser, `${server.url}/demo/`, DRIVER, name);
  const [a, b] = await Promise.all([open('A'), open('B')]);
  await b.evaluate(() => (window as any).start('bob', false));
  await a.evaluate(() => (window as any).start('alice', true));
  await b.waitForFunction(() => (window as any).state.tracks.length === 2, null, { timeout: 20_000 });
  await waitInPage(b, async () => (await (window as any).decoded()) > 10, null, 'B decodes A before the restart');
  await waitInPage(a, () => (window as any).ufrags().state === 'connected', null, 'A publisher connected');
  const before = await a.evaluate(() => (window as any).ufrags());
  const tracksBefore = await b.evaluate(() => (window as any).state.tracks.map((x: any) => x.id).sort());

  await a.evaluate(() => (window as any).pub().restartIce());
  await waitInPage(
    a,
    (old: { local: string; remote: string }) => {
      const u = (window as any).ufrags();
      return u.signaling === 'stable' && u.local !== old.local && u.remote !== old.remote;
    },
    before,
    'a renegotiation with new ICE credentials on both sides',
  );
  await waitInPage(a, () => (window as any).ufrags().state === 'connected', null, 'A publisher connected again');
  const framesAfterRestart = await b.evaluate(() => (window as any).decoded());
  await waitInPage(b, async (n: number) => (await (window as any).decoded()) > n + 30, framesAfterRestart, 'B keeps decoding after the restart', 30_000);

  const tracksAfter = await b.evaluate(() => (window as any).state.tracks.map((x: any) => x.id).sort());
  assert.deepEqual(tracksAfter, tracksBefore, 'same tracks, none added');
  assert.equal(await b.evaluate(() => (window as any).state.removed), 0, 'none removed');
  const stats = server.sfu.stats();
  assert.equal(stats.peers, 2);
  assert.equal(stats.publishedTracks, 2);
  assert.equal(stats.iceRestarts, 1, 'the SFU answered one ICE restart');
});

test('ion-sdk-js in Chromium: a receiver whose network changed gets its subscriber connection restarted and keeps decoding', { skip: noChromium || testMediaPath !== 'native', timeout: 90_000 }, async (t) => {
  const { server, browser } = await loopbackSfuAndBrowser(t);
  const open = (name: string) => openDriverPage(browser, `${server.url}/demo/`, DRIVER, name);
  const [a, b] = await Promise.all([open('A'), open('B')]);
  await b.evaluate(() => (window as any).start('bob', false));
  await a.evaluate(() => (window as any).start('alice', true));
  await b.waitForFunction(() => (window as any).state.tracks.length === 2, null, { timeout: 20_000 });
  await waitInPage(b, async () => (await (window as any).decoded()) > 10, null, 'B decodes A before the restart');
  await waitInPage(b, () => (window as any).ufrags('sub').state === 'connected', null, 'B subscriber connected');
  const before = await b.evaluate(() => (window as any).ufrags('sub'));
  const tracksBefore = await b.evaluate(() => (window as any).state.tracks.map((x: any) => x.id).sort());

  // B's network changed: ion-sdk-js restarts ICE on the connection it offers on.
  await b.evaluate(() => (window as any).pub().restartIce());
  await waitInPage(
    b,
    (old: { local: string; remote: string }) => {
      const u = (window as any).ufrags('sub');
      return u.signaling === 'stable' && u.local !== old.local && u.remote !== old.remote;
    },
    before,
    "the SFU's offer of new ICE credentials on B's subscriber connection, answered",
  );
  await waitInPage(b, () => (window as any).ufrags('sub').state === 'connected', null, 'B subscriber connected again');
  const framesAfterRestart = await b.evaluate(() => (window as any).decoded());
  await waitInPage(b, async (n: number) => (await (window as any).decoded()) > n + 30, framesAfterRestart, 'B keeps decoding after the restart', 30_000);

  const tracksAfter = await b.evaluate(() => (window as any).state.tracks.map((x: any) => x.id).sort());
  assert.deepEqual(tracksAfter, tracksBefore, 'same tracks, none added');
  assert.equal(await b.evaluate(() => (window as any).state.removed), 0, 'none removed');
  const stats = server.sfu.stats();
  assert.equal(stats.iceRestarts, 1, "B's publisher connection restarted");
  assert.equal(stats.subscriberIceRestarts, 1, "and the SFU restarted B's subscriber connection");
});
