/**
 * Room behaviour over time, with the room clock driven by hand (`TestClock`) and an in-memory
 * transport: subscriber offer pacing, keyframe-request (PLI) pacing, receiver reports, the
 * active-speaker interval, and the clock stopping with the SFU. Every step is in milliseconds
 * of test-clock time; nothing waits for the real clock.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { defaultSfuConfig } from '../../src/sfu/config.ts';
import { Sfu } from '../../src/sfu/room/sfu.ts';
import type { PeerHandle, SignalSink } from '../../src/sfu/room/types.ts';
import { parseRtcp } from '../../src/sfu/rtp/rtcp.ts';
import { writeRtpIds } from '../../src/sfu/rtp/rtp-packet.ts';
import { silentLog } from '../../src/sfu/types/log.ts';
import { FakeTransports } from './helpers/fake-transport.ts';
import { TestClock } from './helpers/test-clock.ts';

const OFFER = readFileSync(new URL('./fixtures/chrome-offer.sdp', import.meta.url), 'utf8');
/** the fixture's msid stream id */
const STREAM = '49576d3b-04da-40a4-ad2c-286427d2a257';

/** Lets promise callbacks (async offers, joins) run; no time passes. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An RTP packet with an RFC 8285 one-byte extension block (id 1: audio level, RFC 6464). */
function rtp(pt: number, seq: number, ssrc: number, level?: number): Buffer {
  const ext = level === undefined ? [] : [0xbe, 0xde, 0, 1, 0x10, 0x80 | level, 0, 0];
  const b = Buffer.alloc(12 + ext.length + 20);
  b[0] = ext.length > 0 ? 0x90 : 0x80;
  b[1] = pt;
  writeRtpIds(b, seq, seq * 960, ssrc);
  b.set(ext, 12);
  return b;
}

interface Client {
  peer: PeerHandle;
  offers: number;
}

async function setup() {
  const clock = new TestClock();
  const transports = new FakeTransports();
  const sfu = new Sfu(defaultSfuConfig(), transports, silentLog, clock);
  const join = async (uid: string): Promise<Client> => {
    const c = { offers: 0 } as Client;
    const sink: SignalSink = { offer: () => c.offers++, trickle: () => {} };
    const r = await sfu.join({ sid: 'room', uid, offer: { type: 'offer', sdp: OFFER }, config: { noPublish: false, noSubscribe: false, noAutoSubscribe: false } }, sink);
    assert.ok(r.ok);
    c.peer = r.value.peer;
    return c;
  };
  return { clock, transports, sfu, join };
}

/** PLIs and receiver reports the SFU sent towards a publisher's media section. */
function rtcpOfType(packets: readonly Buffer[], type: string): number {
  let n = 0;
  for (const p of packets) {
    const r = parseRtcp(p);
    if (r.ok) n += r.packets.filter((x) => x.type === type).length;
  }
  return n;
}

test('a subscriber is offered 20 ms after the first change, once for a burst of changes', async () => {
  const { clock, transports, sfu, join } = await setup();
  const a = await join('a');
  const b = await join('b');
  clock.advance(19);
  await settle();
  assert.equal(b.offers, 0, 'no offer before the 20 ms debounce');
  clock.advance(1);
  await settle();
  assert.equal(b.offers, 1, 'the join offer');
  assert.ok((await b.peer.answer('v=0\r\n')).ok);
  const pub = transports.get('a/pub');
  pub.receive('0', 'audio').onPacket?.(rtp(111, 1, 1111));
  clock.advance(5);
  pub.receive('1', 'video').onPacket?.(rtp(96, 1, 2222));
  clock.advance(14);
  await settle();
  assert.equal(b.offers, 1, 'still inside the debounce that started with the audio track');
  clock.advance(1);
  await settle();
  assert.equal(b.offers, 2, 'one offer carries both new tracks');
  assert.equal(transports.get('b/sub').sendTracks.length, 2);
  assert.equal(a.offers, 1);
  sfu.close();
});

test('keyframe requests to a publisher are paced to one per 500 ms', async () => {
  const { clock, transports, sfu, join } = await setup();
  await join('a');
  const video = transports.get('a/pub').receive('1', 'video');
  video.onPacket?.(rtp(96, 1, 2222));
  await join('b');
  assert.equal(rtcpOfType(video.rtcp, 'pli'), 1, 'a new subscriber asks for a keyframe');
  clock.advance(100);
  await join('c');
  assert.equal(rtcpOfType(video.rtcp, 'pli'), 1, 'a second one 100 ms later is covered by the first');
  clock.advance(400);
  await join('d');
  assert.equal(rtcpOfType(video.rtcp, 'pli'), 2, '500 ms after the last one, a new request goes out');
  sfu.close();
});

test('a publisher gets a receiver report once a second from the room clock', async () => {
  const { clock, transports, sfu, join } = await setup();
  await join('a');
  const audio = transports.get('a/pub').receive('0', 'audio');
  audio.onPacket?.(rtp(111, 1, 1111));
  clock.advance(980);
  assert.equal(rtcpOfType(audio.rtcp, 'rr'), 0);
  clock.advance(20);
  assert.equal(rtcpOfType(audio.rtcp, 'rr'), 1);
  clock.advance(1000);
  assert.equal(rtcpOfType(audio.rtcp, 'rr'), 2);
  sfu.close();
});

test('active speakers are sent on the ion-sfu channel at the audio-level interval', async () => {
  const { clock, transports, sfu, join } = await setup();
  await join('a');
  await join('b');
  const api = transports.get('b/sub').channels.find((d) => d.label === 'ion-sfu');
  assert.ok(api);
  const audio = transports.get('a/pub').receive('0', 'audio');
  const speakers = () => api.sent.filter((m) => typeof m === 'string' && m.includes('audioLevels'));
  // 20 ms Opus frames at level -10 dBov, louder than the threshold (40).
  for (let seq = 1; clock.now() < 980; seq++) {
    audio.onPacket?.(rtp(111, seq, 1111, 10));
    clock.advance(20);
  }
  assert.equal(speakers().length, 0, 'nothing before the first 1000 ms interval ends');
  clock.advance(20);
  assert.deepEqual(speakers(), [JSON.stringify({ method: 'audioLevels', params: [STREAM] })]);
  clock.advance(1000);
  assert.deepEqual(speakers().at(-1), JSON.stringify({ method: 'audioLevels', params: [] }), 'silence ends the list a second later');
  sfu.close();
});

test('closing the SFU stops its clock and closes every transport', async () => {
  const { clock, transports, sfu, join } = await setup();
  await join('a');
  assert.ok(clock.pending >= 1);
  sfu.close();
  assert.equal(clock.pending, 0);
  assert.ok([...transports.byName.values()].every((t) => t.closed));
});
