/**
 * The SFU end to end over real loopback sockets: ion-sdk-js-like clients (node-datachannel) join,
 * publish Opus and VP8, receive each other's media with rewritten SSRC/sequence/timestamp and
 * re-mapped header extensions, get NACKs answered and PLIs passed on, share a fanned-out data
 * channel, and see a leaver's tracks go away.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Track } from 'node-datachannel';
import { attachSfu, defaultSfuConfig, withOverrides } from '../../src/sfu/index.ts';
import { parseRtp, readExtensions, writeRtpIds } from '../../src/sfu/rtp/rtp-packet.ts';
import { buildNack, buildPli, parseRtcp } from '../../src/sfu/rtp/rtcp.ts';
import { seqDelta } from '../../src/sfu/rtp/munger.ts';
import { parseSdp } from '../../src/sfu/sdp/sdp.ts';
import { TestClient, releaseWebrtc, sendWhileOpen, waitFor } from '../../harness/ndc-client.ts';
import { startUpgradeServer } from './helpers/upgrade-server.ts';

/** An RTP packet with one-byte extensions, as a publisher sends it. */
function rtpPacket(pt: number, seq: number, ts: number, ssrc: number, ext: [number, number[]][], payload: number[]): Buffer {
  const body: number[] = [];
  for (const [id, data] of ext) body.push((id << 4) | (data.length - 1), ...data);
  while (body.length % 4) body.push(0);
  const b = Buffer.alloc(12 + 4 + body.length + payload.length);
  b[0] = 0x90;
  b[1] = pt;
  writeRtpIds(b, seq, ts, ssrc);
  b.set([0xbe, 0xde, 0, body.length / 4, ...body], 12);
  b.set(payload, 16 + body.length);
  return b;
}

async function startServer() {
  const http = await startUpgradeServer();
  const config = withOverrides(defaultSfuConfig(), { webrtc: { bindAddress: '127.0.0.1' } });
  const sfu = attachSfu({ upgrade: http.upgrade, config });
  const url = `ws://127.0.0.1:${http.port}/ws`;
  return {
    sfu,
    url,
    close: async () => {
      await sfu.close();
      http.close();
    },
  };
}


test('two clients: media, NACK, PLI, data channels and leaving, over loopback', { timeout: 60_000 }, async (t) => {
  const srv = await startServer();
  const clients: TestClient[] = [];
  t.after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await srv.close();
  });

  // A joins alone: it still gets a subscriber offer with the server's ion-sfu channel.
  const a = await TestClient.connect(srv.url, 'A');
  clients.push(a);
  const joinA = await a.join('room', 'alice');
  assert.equal(joinA.result.type, 'answer');
  await waitFor(() => a.subAnswers === 1, 'A answers the first subscriber offer');
  assert.match(a.offers[0], /m=application/);
  await waitFor(() => a.subChannels.some((c) => c.getLabel() === 'ion-sfu' && c.isOpen()), "A's ion-sfu channel opens");

  const AUDIO = 0x1111, VIDEO = 0x2222;
  const pub = await a.publish({ audioSsrc: AUDIO, videoSsrc: VIDEO, stream: 'streamA' });
  assert.match(pub.answer, /a=recvonly/);
  const chat = a.createDataChannel('chat');

  // A streams: audio every 20 ms with an audio level, video with a keyframe first.
  let seq = 100;
  let skip = false;
  let skipped = -1;
  const send = sendWhileOpen;
  const pump = setInterval(() => {
    seq = (seq + 1) & 0xffff;
    send(pub.audio, rtpPacket(111, seq, seq * 960, AUDIO, [[1, [0x80 | 20]], [4, [0x30]]], [0xaa, seq & 0xff]));
    const vp8 = seq % 50 === 1 ? [0x10, 0x00, 0x9d, 0x01, 0x2a] : [0x10, 0x01, seq & 0xff];
    if (skip && skipped < 0) {
      skipped = seq; // never sent: a loss between publisher and SFU
      return;
    }
    send(pub.video, rtpPacket(96, seq, seq * 3000, VIDEO, [[13, [0x01]], [4, [0x31]]], vp8));
  }, 10);
  t.after(() => clearInterval(pump));

  // B joins and receives both of A's tracks under A's stream id.
  const b = await TestClient.connect(srv.url, 'B');
  clients.push(b);
  await b.join('room', 'bob');
  await waitFor(() => b.subTracks.length === 2, "B gets A's two tracks");
  await waitFor(() => b.subTracks.every((x) => x.rtp.length > 20), 'media flows to B');
  for (const tr of b.subTracks) {
    const offered = b.offeredSection(tr.mid)!;
    assert.equal(offered.stream, 'streamA', 'msid stream id is the publisher stream id');
    const pkts = tr.rtp.map((p) => parseRtp(p)).map((r) => (assert.ok(r.ok), r.rtp));
    assert.ok(pkts.every((p) => p.ssrc === offered.ssrc), 'SSRC rewritten to the offered one');
    assert.ok(pkts.every((p) => p.ssrc !== AUDIO && p.ssrc !== VIDEO));
    for (let i = 1; i < pkts.length; i++) assert.equal(seqDelta(pkts[i - 1].sequenceNumber, pkts[i].sequenceNumber), 1, 'no holes');
    // the publisher's mid extension is gone; what is kept uses the ids offered to B
    const offeredIds = new Set(offered.extmaps.map((e) => e.id));
    for (const p of tr.rtp) for (const e of readExtensions(p, parseRtp(p).ok ? (parseRtp(p) as any).rtp : undefined)) assert.ok(offeredIds.has(e.id), `ext id ${e.id} was offered`);
    if (tr.kind === 'video') {
      const first = tr.rtp[0];
      const r = parseRtp(first);
      assert.ok(r.ok);
      assert.deepEqual([...first.subarray(r.rtp.payloadOffset, r.rtp.payloadOffset + 2)], [0x10, 0x00], 'video starts on a keyframe');
    }
  }

  // NACK from B: answered from the SFU's packet buffer. (B's own SRTP replay window drops the
  // copy of a packet it already has, so the answer is checked at the SFU; the bytes are checked
  // in the down-track unit tests.)
  const video = b.subTracks.find((x) => x.kind === 'video')!;
  const ssrcB = b.offeredSection(video.mid)!.ssrc!;
  const target = parseRtp(video.rtp[5]);
  assert.ok(target.ok);
  const retransmitted = srv.sfu.stats().media.retransmitted;
  video.track.sendMessageBinary(Buffer.from(buildNack(0xabc, ssrcB, [target.rtp.sequenceNumber])));
  await waitFor(() => srv.sfu.stats().media.retransmitted > retransmitted, 'the retransmission');

  // A loss on the way in: the SFU NACKs the publisher for the missing sequence number.
  skip = true;
  await waitFor(
    () => a.pubRtcp.some((p) => { const r = parseRtcp(p); return r.ok && r.packets.some((x) => x.type === 'nack' && x.media === VIDEO && x.lost.includes(skipped)); }),
    'NACK to the publisher',
  );

  // PLI from B reaches A as a PLI for A's own video SSRC. Requests are rate-limited per layer,
  // so B asks until one gets through.
  const plis = () => a.pubRtcp.filter((p) => { const r = parseRtcp(p); return r.ok && r.packets.some((x) => x.type === 'pli' && x.media === VIDEO); }).length;
  const plisBefore = plis();
  const requestsBefore = srv.sfu.stats().media.keyframeRequestsFromSubscribers;
  const asking = setInterval(() => sendWhileOpen(video.track, Buffer.from(buildPli(0xabc, ssrcB))), 100);
  try {
    await waitFor(() => plis() > plisBefore && srv.sfu.stats().media.keyframeRequestsFromSubscribers > requestsBefore, 'PLI at the publisher');
  } finally {
    clearInterval(asking);
  }

  // Receiver reports and sender reports flow both ways.
  await waitFor(() => a.pubRtcp.some((p) => { const r = parseRtcp(p); return r.ok && r.packets.some((x) => x.type === 'rr' && x.reports.some((rb) => rb.ssrc === AUDIO)); }), 'RR to the publisher');
  await waitFor(() => video.rtcp.some((p) => { const r = parseRtcp(p); return r.ok && r.packets.some((x) => x.type === 'sr' && x.ssrc === ssrcB); }), 'SR to the subscriber');

  // Data channel fan-out: B sees "chat"; text stays text, binary stays binary.
  await waitFor(() => b.subChannels.some((c) => c.getLabel() === 'chat' && c.isOpen()) && chat.isOpen(), 'chat channel on B');
  chat.sendMessage('hello from A');
  chat.sendMessageBinary(Buffer.from([1, 2, 3]));
  await waitFor(() => b.messages.length >= 2, 'chat messages at B');
  assert.deepEqual(b.messages[0], { label: 'chat', data: 'hello from A' });
  assert.ok(Buffer.isBuffer(b.messages[1].data));
  assert.deepEqual([...(b.messages[1].data as Buffer)], [1, 2, 3]);
  // and B's messages on its copy reach A's own channel
  const received: (string | Buffer)[] = [];
  chat.onMessage((m) => received.push(m as string));
  b.subChannels.find((c) => c.getLabel() === 'chat')!.sendMessage('hi A');
  await waitFor(() => received.includes('hi A'), 'B → A on chat');

  // A leaves by closing its socket: B is re-offered with A's sections removed.
  const offersBefore = b.offers.length;
  clearInterval(pump);
  await a.close();
  clients.shift();
  await waitFor(() => b.offers.length > offersBefore && b.subTracks.every((x) => b.offeredSection(x.mid)?.port === 0), "A's tracks removed from B");
  const stats = srv.sfu.stats();
  assert.equal(stats.peers, 1);
  assert.equal(stats.publishedTracks, 0);
  assert.ok(stats.media.retransmitted >= 1);
  assert.ok(stats.media.rtpOut > 40);
});

test('H.264 and VP9 are forwarded under payload types that do not collide in one subscriber connection', { timeout: 30_000 }, async (t) => {
  const srv = await startServer();
  const clients: TestClient[] = [];
  t.after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await srv.close();
  });
  const h264 = { name: 'H264' as const, pt: 96, fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f' };
  const vp9 = { name: 'VP9' as const, pt: 96, fmtp: 'profile-id=0' };
  const pubs: { track: Track; ssrc: number; keyframe: number[] }[] = [];
  for (const [i, codec, keyframe] of [[0, h264, [0x65, 0x88]], [1, vp9, [0x08, 0x00]]] as const) {
    const c = await TestClient.connect(srv.url, `P${i}`);
    clients.push(c);
    await c.join('codecs', `publisher${i}`);
    const { video } = await c.publish({ videoSsrc: 0x3000 + i, stream: `stream${i}`, videoCodec: codec });
    pubs.push({ track: video!, ssrc: 0x3000 + i, keyframe: [...keyframe] });
  }
  let seq = 0;
  const pump = setInterval(() => {
    seq++;
    for (const p of pubs) sendWhileOpen(p.track, rtpPacket(96, seq, seq * 3000, p.ssrc, [], seq % 20 === 1 ? p.keyframe : [0x41, 0x9a]));
  }, 10);
  t.after(() => clearInterval(pump));

  const viewer = await TestClient.connect(srv.url, 'V');
  clients.push(viewer);
  await viewer.join('codecs', 'viewer');
  await waitFor(() => viewer.subTracks.length === 2 && viewer.subTracks.every((x) => x.rtp.length > 5), 'both streams at the viewer');
  const media = parseSdp(viewer.offers.at(-1)!).media.filter((m) => m.kind === 'video');
  const byName = new Map(media.map((m) => [m.codecs[0].name, m.codecs[0]]));
  assert.equal(byName.get('H264')?.fmtp, h264.fmtp, 'the publisher\'s codec parameters are offered');
  assert.equal(byName.get('VP9')?.fmtp, vp9.fmtp);
  assert.notEqual(byName.get('H264')?.pt, byName.get('VP9')?.pt, 'both publishers used 96; the subscriber gets two numbers');
  for (const tr of viewer.subTracks) {
    const offered = media.find((m) => m.mid === tr.mid)!.codecs[0].pt;
    assert.ok(tr.rtp.every((p) => (parseRtp(p) as any).rtp.payloadType === offered));
  }
});

test('join config: NoPublish, NoSubscribe and NoAutoSubscribe, in any letter case', { timeout: 30_000 }, async (t) => {
  const srv = await startServer();
  const clients: TestClient[] = [];
  t.after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await srv.close();
  });
  const connect = async (name: string) => {
    const c = await TestClient.connect(srv.url, name);
    clients.push(c);
    return c;
  };
  const pub = await connect('P');
  await pub.join('cfg', 'publisher');
  const { audio } = await pub.publish({ audioSsrc: 0x7777, stream: 'cfg-stream' });
  const pump = setInterval(() => sendWhileOpen(audio, rtpPacket(111, 1, 960, 0x7777, [], [0xaa])), 20);
  t.after(() => clearInterval(pump));
  await waitFor(() => srv.sfu.stats().publishedTracks === 1, 'the published track');

  const watchOnly = await connect('W');
  const noPub = await watchOnly.join('cfg', 'watcher', { nopublish: true });
  assert.ok(noPub.result, 'NoPublish still answers the offer');
  await waitFor(() => watchOnly.subTracks.length === 1, 'the watcher receives');
  const refused = await watchOnly.call('offer', { desc: { type: 'offer', sdp: watchOnly.pub.localDescription()!.sdp.replace(/m=application/, 'm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:x\r\na=sendonly\r\na=rtpmap:111 opus/48000/2\r\nm=application') } });
  assert.match(refused.result?.sdp ?? '', /m=audio 0 /, 'media from a NoPublish peer is rejected');

  const blind = await connect('B');
  await blind.join('cfg', 'blind', { NoSubscribe: true });
  const noSub = await blind.call('trickle', { target: 1, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' } });
  assert.equal(noSub.error?.message, 'no rtc transport exists for this Peer');
  assert.equal(blind.offers.length, 0, 'no subscriber connection is offered');

  const manual = await connect('M');
  await manual.join('cfg', 'manual', { NOAUTOSUBSCRIBE: true });
  await waitFor(() => manual.subAnswers === 1, 'the subscriber offer with the API channel');
  assert.doesNotMatch(manual.offers[0], /m=audio/, 'nothing subscribed automatically');
  assert.match(manual.offers[0], /m=application/);
});

test('JSON-RPC errors over a real socket: before join, unknown method, second join', { timeout: 30_000 }, async (t) => {
  const srv = await startServer();
  const c = await TestClient.connect(srv.url, 'E');
  t.after(async () => {
    await c.close();
    await srv.close();
  });
  const early = await c.call('offer', { desc: { type: 'offer', sdp: 'v=0\r\n' } });
  assert.deepEqual(early.error, { code: 500, message: 'no rtc transport exists for this Peer', data: null });
  const unknown = await c.call('leave', {});
  assert.equal(unknown.error.code, -32601);
  const bad = await c.call('join', { sid: 'x', offer: { type: 'offer', sdp: 'v=0\r\nnot really sdp' } });
  assert.equal(bad.error.code, 500);
  assert.match(bad.error.message, /setting remote description/);
  await c.join('room2');
  const second = await c.call('join', { sid: 'room2', offer: { type: 'offer', sdp: 'v=0\r\n' } });
  assert.equal(second.error.message, 'rtc transport already exists for this connection');
});
// The native stack's callback threads keep the process alive until released.
// The native stack's callback threads keep the process alive until released.
after(() => releaseWebrtc());
