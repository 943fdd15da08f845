/**
 * Two SFU nodes sharing the real Redis, on loopback (node-1 on 127.0.0.1, node-2 on 127.0.0.2),
 * with clients that speak ion-sdk-js's JSON-RPC and real WebRTC (node-datachannel):
 * - clients of one room entering through different nodes meet in one room on one node, whose
 *   addresses they do their ICE with, and receive each other's media;
 * - joins racing on both nodes for a new room all land on one node;
 * - a node that shuts down ends the relayed sessions (WebSocket close 1012) and gives its rooms
 *   back; a node that is killed loses its rooms after the lease TTL, and clients that reconnect
 *   rebuild the room on the live node;
 * - a node that finds its lease taken ends the room's clients; without Redis, joins get an error.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { defaultSfuConfig, withOverrides } from '../../src/sfu/config.ts';
import { startSfuServer } from '../../src/sfu/http-server.ts';
import { shutdownWebrtc } from '../../src/sfu/index.ts';
import { writeRtpIds } from '../../src/sfu/rtp/rtp-packet.ts';
import { TestClient, sendWhileOpen, waitFor } from '../../harness/ndc-client.ts';
import { redisMissing, spawnNode, startNode, testCluster, type TestCluster } from './helpers/cluster.ts';

let noRedis: string | undefined;
before(async () => (noRedis = await redisMissing()));
after(() => shutdownWebrtc());

const wsUrl = (httpUrl: string): string => `${httpUrl.replace(/^http/, 'ws')}/ws`;

/** A minimal RTP packet (VP8 keyframe-looking payload for video, anything for audio). */
function rtp(pt: number, seq: number, ssrc: number): Buffer {
  const b = Buffer.alloc(12 + 5);
  b[0] = 0x80;
  b[1] = pt;
  writeRtpIds(b, seq, seq * 3000, ssrc);
  b.set(seq % 30 === 1 ? [0x10, 0x00, 0x9d, 0x01, 0x2a] : [0x10, 0x01, seq & 0xff, 0, 0], 12);
  return b;
}

/** Publishes audio and video from `c` and keeps sending until the test ends. */
async function publish(t: { after(fn: () => void): void }, c: TestClient, ssrcBase: number, stream: string): Promise<void> {
  const { audio, video } = await c.publish({ audioSsrc: ssrcBase, videoSsrc: ssrcBase + 1, stream });
  let seq = 0;
  const send = sendWhileOpen;
  const pump = setInterval(() => {
    seq = (seq + 1) & 0xffff;
    send(audio, rtp(111, seq, ssrcBase));
    send(video, rtp(96, seq, ssrcBase + 1));
  }, 20);
  t.after(() => clearInterval(pump));
}

/** Waits until `c` receives audio and video packets. */
const receivesMedia = (c: TestClient, who: string) =>
  waitFor(() => c.subTracks.filter((x) => x.count > 5).length >= 2, `${who} receives audio and video`, 20_000);

async function clients(t: { after(fn: () => Promise<void>): void }): Promise<TestClient[]> {
  const list: TestClient[] = [];
  t.after(async () => {
    for (const c of list) await c.close().catch(() => {});
  });
  return list;
}

/**
 * A new cluster (lease TTL `leaseTtl` s) with node-1 on 127.0.0.1 and node-2 on 127.0.0.2, both
 * in process, and the test's client list. When the test ends the clients close, then node-2,
 * node-1 and the cluster.
 */
async function twoNodes(t: TestContext, leaseTtl: number) {
  const cluster: TestCluster = testCluster(leaseTtl);
  const n1 = await startNode(cluster, 'node-1', '127.0.0.1');
  const n2 = await startNode(cluster, 'node-2', '127.0.0.2');
  const open = await clients(t);
  t.after(async () => {
    await n2.close();
    await n1.close();
    await cluster.close();
  });
  return { cluster, n1, n2, open };
}

test('clients entering through two nodes share one room on one node, media both ways', { timeout: 60_000 }, async (t) => {
  if (noRedis) return t.skip(noRedis);
  const { cluster, n1, n2, open } = await twoNodes(t, 1);

  const a = await TestClient.connect(wsUrl(n1.url), 'A');
  open.push(a);
  assert.equal((await a.join('room', 'alice')).result?.type, 'answer');
  assert.equal(await cluster.owner('room'), 'node-1', 'the first join claims the room for its node');

  const b = await TestClient.connect(wsUrl(n2.url), 'B');
  open.push(b);
  assert.equal((await b.join('room', 'bob')).result?.type, 'answer', 'a join through node-2 is answered');
  // B's peer connections are node-1's: ICE runs with node-1's address, not node-2's.
  await waitFor(() => b.pub.getSelectedCandidatePair()?.remote.address === '127.0.0.1', "B's ICE pair ends at node-1");
  const s1 = n1.sfu.stats();
  const s2 = n2.sfu.stats();
  assert.deepEqual([s1.sessions, s1.peers, s1.cluster?.relayedIn, s1.cluster?.ownedRooms], [1, 2, 1, 1]);
  assert.deepEqual([s2.sessions, s2.peers, s2.cluster?.relayedOut, s2.cluster?.ownedRooms], [0, 0, 1, 0]);

  await publish(t, a, 0x1000, 'streamA');
  await publish(t, b, 0x2000, 'streamB');
  await receivesMedia(b, 'B (relayed)');
  await receivesMedia(a, 'A (direct)');
  assert.equal(b.subTracks.length, 2);
  assert.equal(a.subTracks.length, 2);

  // node-1 shuts down: B's socket is closed with 1012 (service restart), the lease is given back.
  const bClosed = once(b.ws, 'close');
  await n1.close();
  const [code] = (await bClosed) as [number, Buffer];
  assert.equal(code, 1012);
  assert.equal(await cluster.owner('room'), null, 'a node that stops gives its rooms back');

  // Reconnecting through node-2 rebuilds the room there.
  const a2 = await TestClient.connect(wsUrl(n2.url), 'A2');
  const b2 = await TestClient.connect(wsUrl(n2.url), 'B2');
  open.push(a2, b2);
  await a2.join('room', 'alice');
  await b2.join('room', 'bob');
  assert.equal(await cluster.owner('room'), 'node-2');
  await publish(t, a2, 0x3000, 'streamA2');
  await receivesMedia(b2, 'B2');
  assert.deepEqual([n2.sfu.stats().peers, n2.sfu.stats().cluster?.relayedOut], [2, 0]);
});

test('joins racing on two nodes for a new room all land on one node', { timeout: 60_000 }, async (t) => {
  if (noRedis) return t.skip(noRedis);
  const { cluster, n1, n2, open } = await twoNodes(t, 5);
  const nodes = [n1, n2];
  for (let i = 0; i < 6; i++) open.push(await TestClient.connect(wsUrl(nodes[i % 2].url), `C${i}`));
  const joins = await Promise.all(open.map((c, i) => c.join('race', `user${i}`)));
  assert.ok(joins.every((j) => j.result?.type === 'answer'), 'every join is answered');
  const owner = await cluster.owner('race');
  const [own, other] = owner === 'node-1' ? [n1, n2] : [n2, n1];
  assert.deepEqual([own.sfu.stats().sessions, own.sfu.stats().peers, own.sfu.stats().cluster?.relayedIn], [1, 6, 3]);
  assert.deepEqual([other.sfu.stats().sessions, other.sfu.stats().peers, other.sfu.stats().cluster?.relayedOut], [0, 0, 3]);

  // Everyone leaves: the owner gives the room back.
  for (const c of open.splice(0)) await c.close();
  await waitFor(() => own.sfu.stats().cluster?.ownedRooms === 0, 'the room is released');
  assert.equal(await cluster.owner('race'), null);
  assert.equal(other.sfu.stats().cluster?.relayedOut, 0);
});

test('a killed owner: its rooms move to the live node as clients reconnect', { timeout: 60_000 }, async (t) => {
  if (noRedis) return t.skip(noRedis);
  const cluster = testCluster(1);
  const n1 = await spawnNode(cluster, 'node-1', '127.0.0.1');
  const n2 = await startNode(cluster, 'node-2', '127.0.0.2');
  const open = await clients(t);
  t.after(async () => {
    await n1.kill();
    await n2.close();
    await cluster.close();
  });

  const a = await TestClient.connect(n1.url, 'A');
  const b = await TestClient.connect(wsUrl(n2.url), 'B');
  open.push(a, b);
  await a.join('crash', 'alice');
  await b.join('crash', 'bob');
  assert.equal(await cluster.owner('crash'), 'node-1');
  await publish(t, a, 0x1000, 'streamA');
  await receivesMedia(b, 'B before the crash');

  const bClosed = once(b.ws, 'close');
  await n1.kill();
  // A reconnects at once: its join meets node-1's lease, waits for it to run out, then claims.
  const a2 = await TestClient.connect(wsUrl(n2.url), 'A2');
  open.push(a2);
  const rejoin = a2.join('crash', 'alice');
  // B's relayed session is ended once node-2 sees the lease gone: B reconnects too.
  const [code] = (await bClosed) as [number, Buffer];
  assert.equal(code, 1012);
  assert.equal((await rejoin).result?.type, 'answer');
  assert.equal(await cluster.owner('crash'), 'node-2');
  const b2 = await TestClient.connect(wsUrl(n2.url), 'B2');
  open.push(b2);
  await b2.join('crash', 'bob');
  await publish(t, a2, 0x3000, 'streamA2');
  await receivesMedia(b2, 'B2 after the room moved');
  assert.deepEqual([n2.sfu.stats().sessions, n2.sfu.stats().peers], [1, 2]);
});

test('a node whose lease was taken over ends the room, so its clients reconnect', { timeout: 30_000 }, async (t) => {
  if (noRedis) return t.skip(noRedis);
  const cluster = testCluster(1);
  const n1 = await startNode(cluster, 'node-1', '127.0.0.1');
  const open = await clients(t);
  t.after(async () => {
    await n1.close();
    await cluster.close();
  });
  const a = await TestClient.connect(wsUrl(n1.url), 'A');
  open.push(a);
  await a.join('taken', 'alice');
  assert.equal(await cluster.owner('taken'), 'node-1');
  // As if node-1 had been cut off from Redis past its TTL and another node had claimed the room.
  const closed = once(a.ws, 'close');
  await cluster.redis.set(`${cluster.prefix}room:taken`, 'node-x', 'PX', 60_000);
  const [code] = (await closed) as [number, Buffer];
  assert.equal(code, 1012);
  await waitFor(() => n1.sfu.stats().peers === 0, 'the peer is gone');
  assert.equal(await cluster.owner('taken'), 'node-x', 'the new owner keeps its lease');
});

test('Redis unreachable: a join gets a JSON-RPC error and the node lives on', { timeout: 30_000 }, async (t) => {
  if (noRedis) return t.skip(noRedis);
  const config = withOverrides(defaultSfuConfig(), { webrtc: { bindAddress: '127.0.0.1' }, cluster: { redis: '127.0.0.1:1', nodeId: 'lonely', leaseTtl: 1 } });
  const srv = await startSfuServer({ config, host: '127.0.0.1', port: 0, demo: false });
  const open = await clients(t);
  t.after(() => srv.close());
  const a = await TestClient.connect(wsUrl(srv.url), 'A');
  open.push(a);
  const r = await a.join('room', 'alice');
  assert.equal(r.error?.code, 500);
  assert.match(r.error?.message, /cluster unavailable/);
  assert.equal(srv.sfu.stats().peers, 0);
});
