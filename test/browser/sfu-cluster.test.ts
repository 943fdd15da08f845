/**
 * Unchanged ion-sdk-js (its 1.8.2 browser bundle) in headless Chromium against two `turnpike sfu`
 * processes that form a cluster over the real Redis: node-1 on 127.0.0.1, node-2 on 127.0.0.2
 * (loopback addresses rather than network namespaces; Redis listens on 127.0.0.1). A joins a room
 * through node-1, B the same room through node-2; each decodes the other's camera and
 * microphone. node-1 is then killed (SIGKILL): both clients see their socket close, reconnect
 * through node-2, and the room is rebuilt there with media flowing again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { launchBrowser, noChromium, waitInPage } from '../sfu/helpers/browser.ts';
import { redisMissing, spawnNode, testCluster } from '../sfu/helpers/cluster.ts';

/** A driver added to a /demo page (which has ion-sdk-js's bundles loaded); the demo UI is unused. */
const DRIVER = `
window.state = { runs: 0, tracks: [], closed: false, errors: [] };
window.start = async (url, name) => {
  if (window.client) window.client.close();
  state.runs++;
  state.tracks = [];
  state.closed = false;
  const signal = new Signal.IonSFUJSONRPCSignal(url);
  const client = new IonSDK.Client(signal, { codec: 'vp8', iceServers: [] });
  window.client = client;
  client.ontrack = (track, stream) => {
    state.tracks.push({ kind: track.kind, streamId: stream.id });
    const el = document.createElement(track.kind);
    el.muted = true;
    el.srcObject = new MediaStream([track]);
    document.body.append(el);
    el.play().catch((e) => state.errors.push(String(e)));
  };
  await new Promise((resolve) => (signal.onopen = resolve));
  signal.onclose = (e) => { if (window.client === client) { state.closed = true; state.closeCode = e.code; } };
  await client.join('cluster-room', name);
  const local = await IonSDK.LocalStream.getUserMedia({ resolution: 'qvga', audio: true, video: true, codec: 'vp8', simulcast: false });
  client.publish(local);
  return local.id;
};
window.decoded = async () => {
  const out = { video: 0, audio: 0 };
  (await client.getSubStats(null)).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') out.video += s.framesDecoded || 0;
    if (s.type === 'inbound-rtp' && s.kind === 'audio') out.audio += s.totalSamplesReceived || 0;
  });
  return out;
};
`;

let noRedis: string | undefined;
before(async () => (noRedis = await redisMissing()));

/** Waits until `page` has the other side's two tracks (stream `remote`) and decodes both. */
async function receives(page: Page, remote: string, what: string): Promise<void> {
  await waitInPage(page, (id) => (window as any).state.tracks.filter((x: any) => x.streamId === id).length === 2, remote, `${what}: tracks`);
  await waitInPage(page, async () => {
    const d = await (window as any).decoded();
    return d.video > 0 && d.audio > 0;
  }, null, `${what}: decoded audio and video`);
}

test('ion-sdk-js through two nodes: one room, media both ways; the owner dies, the room is rebuilt', { skip: noChromium, timeout: 60_000 }, async (t) => {
  if (noRedis) return t.skip(noRedis);
  const cluster = testCluster(1);
  const n1 = await spawnNode(cluster, 'node-1', '127.0.0.1');
  const n2 = await spawnNode(cluster, 'node-2', '127.0.0.2');
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await n1.kill();
    await n2.kill();
    await cluster.close();
  });
  const open = async (name: string, wsUrl: string): Promise<Page> => {
    const page = await browser.newPage({ bypassCSP: true });
    page.on('pageerror', (e) => console.error(`[${name}] ${e.message}`));
    await page.goto(wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '/demo/'));
    await page.addScriptTag({ content: DRIVER });
    return page;
  };
  const a = await open('A', n1.url);
  const b = await open('B', n2.url);

  const streamA = await a.evaluate((url) => (window as any).start(url, 'alice'), n1.url);
  assert.equal(await cluster.owner('cluster-room'), 'node-1');
  const streamB = await b.evaluate((url) => (window as any).start(url, 'bob'), n2.url);
  await receives(b, streamA, 'B (through node-2) gets A');
  await receives(a, streamB, 'A (on node-1) gets B');

  // The owner crashes. A's socket dies with it; node-2 closes B's once node-1's lease is gone.
  await n1.kill();
  await waitInPage(a, () => (window as any).state.closed, null, "A's socket closed");
  await waitInPage(b, () => (window as any).state.closed, null, "B's socket closed", 15_000);
  assert.equal(await b.evaluate(() => (window as any).state.closeCode), 1012);

  // Both reconnect through node-2, which now owns the room.
  const [streamA2, streamB2] = await Promise.all([
    a.evaluate((url) => (window as any).start(url, 'alice'), n2.url),
    b.evaluate((url) => (window as any).start(url, 'bob'), n2.url),
  ]);
  assert.equal(await cluster.owner('cluster-room'), 'node-2');
  await receives(b, streamA2, 'B gets A again');
  await receives(a, streamB2, 'A gets B again');
});
