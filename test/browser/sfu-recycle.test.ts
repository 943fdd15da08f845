/**
 * Subscriber m= sections are recycled (RFC 8829 §5.2.2), with unchanged ion-sdk-js in headless
 * Chromium: B receives while A1 publishes camera and microphone and leaves, then A2 does the
 * same. A2's tracks take the sections A1's left closed, with new MIDs, so B's description does
 * not grow with every publisher that came and went, and B decodes A2's video through them.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { shutdownWebrtc } from '../../src/sfu/index.ts';
import { noChromium, testMediaPath, waitInPage } from '../sfu/helpers/browser.ts';
import { cameraDriver, loopbackSfuAndBrowser, openDriverPage } from './ion-pages.ts';

const DRIVER = `${cameraDriver('recycle-room', 'qvga')}
window.leave = () => client.close();
window.sections = () => {
  const pc = client.transports[1].pc;
  const d = pc.remoteDescription ? pc.remoteDescription.sdp : '';
  return { mlines: (d.match(/^m=/gm) || []).length, mids: [...d.matchAll(/^a=mid:(\\S+)/gm)].map((m) => m[1]), signaling: pc.signalingState };
};
window.decodedOf = async (streamId) => {
  const stats = await client.getSubStats(null);
  const ids = new Set(state.tracks.filter((t) => t.streamId === streamId && t.kind === 'video').map((t) => t.id));
  let frames = 0;
  stats.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video' && (s.trackIdentifier === undefined || ids.has(s.trackIdentifier))) frames += s.framesDecoded || 0; });
  return frames;
};
`;

after(() => shutdownWebrtc());

test('ion-sdk-js in Chromium: a new publisher takes the sections a gone one left; the subscriber decodes it', { skip: noChromium || testMediaPath !== 'native', timeout: 120_000 }, async (t) => {
  const { server, browser } = await loopbackSfuAndBrowser(t);
  const open = (name: string) => openDriverPage(browser, `${server.url}/demo/`, DRIVER, name);
  const b = await open('B');
  await b.evaluate(() => (window as any).start('bob', false));

  const a1 = await open('A1');
  await a1.evaluate(() => (window as any).start('alice', true));
  await b.waitForFunction(() => (window as any).state.tracks.length === 2, null, { timeout: 20_000 });
  const first = await b.evaluate(() => (window as any).state.tracks[0].streamId);
  await waitInPage(b, async (s: string) => (await (window as any).decodedOf(s)) > 10, first, "B decodes A1's video");
  const withA1 = await b.evaluate(() => (window as any).sections());

  await a1.evaluate(() => (window as any).leave());
  await a1.close();
  // Wait until the SFU has told B, and B has answered, that A1's sections are closed.
  await b.waitForFunction(() => /m=video 0 /.test((window as any).client.transports[1].pc.remoteDescription?.sdp ?? '') && (window as any).sections().signaling === 'stable', null, { timeout: 20_000 });

  const a2 = await open('A2');
  await a2.evaluate(() => (window as any).start('carol', true));
  await b.waitForFunction(() => (window as any).state.tracks.length === 4, null, { timeout: 20_000 });
  const second = await b.evaluate(() => (window as any).state.tracks[2].streamId);
  assert.notEqual(second, first);
  await waitInPage(b, async (s: string) => (await (window as any).decodedOf(s)) > 30, second, "B decodes A2's video in a recycled section", 30_000);
  await b.waitForFunction(() => (window as any).sections().signaling === 'stable', null, { timeout: 20_000 });
  const withA2 = await b.evaluate(() => (window as any).sections());
  assert.equal(withA2.mlines, withA1.mlines, `as many sections as with A1 (${JSON.stringify(withA1.mids)} → ${JSON.stringify(withA2.mids)})`);
  assert.equal(new Set(withA2.mids).size, withA2.mids.length, 'MIDs stay unique');
  assert.ok(withA2.mids.some((m: string) => !withA1.mids.includes(m)), 'the recycled sections carry new MIDs');
});
