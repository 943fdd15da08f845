import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRtcp, buildPli, buildFir, buildNack, buildRr, buildSr, buildSdes, buildRemb, compound, ntpFromUnixMs, ntpMiddle } from '../../../src/sfu/rtp/rtcp.ts';

test('PLI, FIR, NACK and REMB round-trip', () => {
  const r = parseRtcp(compound([buildPli(1, 2), buildFir(1, 3, 7), buildNack(1, 4, [10, 11, 26, 27, 65535]), buildRemb(1, 1_500_000, [5, 6])]));
  assert.ok(r.ok);
  assert.deepEqual(r.packets[0], { type: 'pli', sender: 1, media: 2 });
  assert.deepEqual(r.packets[1], { type: 'fir', sender: 1, entries: [{ ssrc: 3, seq: 7 }] });
  assert.deepEqual(r.packets[2], { type: 'nack', sender: 1, media: 4, lost: [10, 11, 26, 27, 65535] });
  const remb = r.packets[3];
  assert.equal(remb.type, 'remb');
  if (remb.type === 'remb') {
    assert.ok(Math.abs(remb.bitrate - 1_500_000) / 1_500_000 < 0.001);
    assert.deepEqual(remb.ssrcs, [5, 6]);
  }
});

test('NACK packs up to 17 losses per PID+BLP pair (RFC 4585 §6.2.1)', () => {
  const lost = Array.from({ length: 17 }, (_, i) => 100 + i);
  assert.equal(buildNack(1, 2, lost).length, 16);
  const r = parseRtcp(buildNack(1, 2, lost));
  assert.ok(r.ok && r.packets[0].type === 'nack');
  assert.deepEqual((r.packets[0] as any).lost, lost);
});

test('SR, RR and SDES round-trip', () => {
  const ntp = ntpFromUnixMs(1_700_000_000_123);
  const block = { ssrc: 9, fractionLost: 12, cumulativeLost: -3, highestSeq: 70000, jitter: 44, lastSr: ntpMiddle(ntp), delaySinceLastSr: 655 };
  const r = parseRtcp(compound([buildSr(7, ntp, 1234, 10, 1000), buildRr(8, [block]), buildSdes(7, 'stream-abc')]));
  assert.ok(r.ok);
  assert.deepEqual(r.packets[0], { type: 'sr', ssrc: 7, ntp, rtpTimestamp: 1234, packets: 10, octets: 1000, reports: [] });
  assert.deepEqual(r.packets[1], { type: 'rr', ssrc: 8, reports: [block] });
  assert.deepEqual(r.packets[2], { type: 'sdes', chunks: [{ ssrc: 7, cname: 'stream-abc' }] });
});

test('an empty RR followed by a REMB, the compound Chromium sends as a receiver, parses', () => {
  // hand-built in that layout: RR with no report blocks, then PSFB FMT 15 REMB for one SSRC
  const bytes = Uint8Array.from(Buffer.from('80c90001000000018fce0005000000010000000052454d42010a7dee2b1e3cd7', 'hex'));
  const r = parseRtcp(bytes);
  assert.ok(r.ok);
  assert.deepEqual(r.packets.map((p) => p.type), ['rr', 'remb']);
});

test('malformed compounds are error values; random bytes never throw', () => {
  assert.equal(parseRtcp(new Uint8Array(0)).ok, false);
  const pli = buildPli(1, 2);
  assert.equal(parseRtcp(pli.subarray(0, 8)).ok, false);
  const lying = Uint8Array.from(pli);
  lying[3] = 40;
  assert.equal(parseRtcp(lying).ok, false);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (b) => void parseRtcp(b)));
});
