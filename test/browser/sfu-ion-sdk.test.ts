/**
 * Unchanged ion-sdk-js (its own 1.8.2 browser bundle) in headless Chromium against the SFU: A
 * publishes camera and microphone; B and C receive and decode both; a `chat` data-channel message
 * from A reaches B and C; when A closes its socket, A's tracks leave B and C. On both media paths.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { shutdownWebrtc } from '../../src/sfu/index.ts';
import { noChromium, waitInPage } from '../sfu/helpers/browser.ts';
import { loopbackSfuAndBrowser, openDriverPage } from './ion-pages.ts';

/**
 * A tiny driver added to a page that has ion-sdk-js's bundles loaded (the /demo page serves them
 * from /demo/vendor; its own UI stays untouched here).
 */
const DRIVER = `
window.state = { joined: false, tracks: [], chat: [], errors: [], removed: 0, speakers: [] };
window.start = async (name, publish) => {
  const signal = new Signal.IonSFUJSONRPCSignal(location.origin.replace('http', 'ws') + '/ws');
  const client = new IonSDK.Client(signal, { codec: 'vp8', iceServers: [] });
  window.client = client;
  window.signal = signal;
  client.ontrack = (track, stream) => {
    state.tracks.push({ kind: track.kind, streamId: stream.id, track });
    // Chromium decodes received audio only while something plays it; a muted element will do.
    const el = document.createElement(track.kind);
    el.muted = true;
    el.srcObject = new MediaStream([track]);
    document.body.append(el);
    el.play().catch((e) => state.errors.push(String(e)));
    stream.onremovetrack = () => state.removed++;
  };
  client.onspeaker = (ids) => state.speakers.push(ids);
  client.ondatachannel = ({ channel }) => {
    if (channel.label === 'chat') channel.onmessage = (e) => state.chat.push(e.data);
  };
  await new Promise((resolve) => (signal.onopen = resolve));
  await client.join('sfu-test-room', name);
  state.joined = true;
  if (publish) {
    const local = await IonSDK.LocalStream.getUserMedia({ resolution: 'vga', audio: true, video: true, codec: 'vp8', simulcast: false });
    client.publish(local);
    state.localStream = local.id;
    window.chat = client.createDataChannel('chat');
    await new Promise((resolve) => (chat.onopen = resolve));
    state.chatOpen = true;
  }
};
window.decoded = async () => {
  const stats = await client.getSubStats(null);
  const out = { video: 0, audio: 0 };
  stats.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') out.video += s.framesDecoded || 0;
    if (s.type === 'inbound-rtp' && s.kind === 'audio') out.audio += s.totalSamplesReceived || 0;
  });
  return out;
};
`;

after(() => shutdownWebrtc());

// Both media paths: the native one (the default) and the WebRTC stack it falls back to.
for (const mediaPath of ['native', 'stack'] as const) test(`ion-sdk-js in Chromium (${mediaPath} media path): publish, receive and decode, chat, leave`, { skip: noChromium, timeout: 90_000 }, async (t) => {
  const { server, browser } = await loopbackSfuAndBrowser(t, mediaPath);
  const open = (name: string) => openDriverPage(browser, `${server.url}/demo/`, DRIVER, name);
  const [a, b, c] = await Promise.all([open('A'), open('B'), open('C')]);

  // B and C join first, so A's tracks reach them through a renegotiation; A joins and publishes.
  await Promise.all([b.evaluate(() => (window as any).start('bob', false)), c.evaluate(() => (window as any).start('carol', false))]);
  await a.evaluate(() => (window as any).start('alice', true));
  const streamA = await a.evaluate(() => (window as any).state.localStream as string);

  for (const page of [b, c]) {
    await page.waitForFunction(() => (window as any).state.tracks.length === 2, null, { timeout: 20_000 });
    const kinds = await page.evaluate(() => (window as any).state.tracks.map((x: any) => `${x.kind}:${x.streamId}`).sort());
    assert.deepEqual(kinds, [`audio:${streamA}`, `video:${streamA}`], 'remote stream id is the publisher stream id');
    await waitInPage(page, async () => {
      const d = await (window as any).decoded();
      return d.video > 0 && d.audio > 0;
    }, null, 'decoded audio and video');
  }

  // Active speakers (RFC 6464 levels of A's fake microphone) reach B on the ion-sfu channel.
  await waitInPage(b, (id) => (window as any).state.speakers.some((ids: string[]) => ids.includes(id)), streamA, 'A among the speakers', 15_000);

  // Chat over the fanned-out data channel.
  await a.evaluate(() => (window as any).chat.send(JSON.stringify({ from: 'alice', text: 'hello B and C' })));
  for (const page of [b, c]) {
    await page.waitForFunction(() => (window as any).state.chat.length > 0, null, { timeout: 10_000 });
    assert.deepEqual(await page.evaluate(() => (window as any).state.chat), [JSON.stringify({ from: 'alice', text: 'hello B and C' })]);
  }

  // A leaves by closing its socket: its tracks leave B and C.
  await a.evaluate(() => (window as any).signal.close());
  for (const page of [b, c]) {
    await page.waitForFunction(() => (window as any).state.removed >= 2, null, { timeout: 15_000 });
  }
  const stats = server.sfu.stats();
  assert.equal(stats.publishedTracks, 0);
  assert.ok(stats.media.rtpOut > 0);
});
