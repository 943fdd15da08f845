/** Transport-wide feedback codec (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTwcc, parseTwcc } from '../../src/sfu/rtp/twcc.ts';
import { parseRtcp } from '../../src/sfu/rtp/rtcp.ts';

test('feedback round-trips: lost packets, small and large deltas, sequence wrap', () => {
  const arrivals = [1000, 1001.25, undefined, 1010, undefined, 1200, 1100, 1100.5];
  const b = buildTwcc(0x11, 0x22, 0xfffe, 7, arrivals);
  const r = parseTwcc(b);
  assert.ok(r.ok);
  assert.equal(r.value.sender, 0x11);
  assert.equal(r.value.media, 0x22);
  assert.equal(r.value.feedbackCount, 7);
  assert.deepEqual(r.value.packets.map((p) => p.seq), [0xfffe, 0xffff, 0, 1, 2, 3, 4, 5]);
  assert.deepEqual(r.value.packets.map((p) => p.arrivalMs), arrivals, 'a late packet gives a negative (large) delta');
});

test('a hand-made message with run-length and one-bit vector chunks', () => {
  // base 100, 16 packets; ref time 2 (128 ms); run of 2 "small delta", then a 14-symbol vector 1,0,1,...
  const b = new Uint8Array([
    0x8f, 205, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0, 100, 0, 16, 0, 0, 2, 9,
    0x20, 0x02, // run-length: symbol 1, length 2
    0xa0, 0x00, // vector, one-bit: 1,0,1,0,0,... (14 symbols)
    4, 8, 4, 0, // deltas: 1 ms, 2 ms, 1 ms, padding
  ]);
  const r = parseTwcc(b);
  assert.ok(r.ok);
  const got = r.value.packets.filter((p) => p.arrivalMs !== undefined).map((p) => [p.seq, p.arrivalMs]);
  assert.deepEqual(got, [[100, 129], [101, 131], [102, 132]]);
  assert.equal(r.value.packets.length, 16);
});

test('truncated chunks or deltas are an error value, never a throw', () => {
  const good = buildTwcc(1, 2, 0, 0, [10, 20, 30, 40, 50, 60, 70, 80]);
  for (let n = 0; n < good.length; n++) {
    const cut = good.slice(0, n);
    const r = parseTwcc(cut);
    if (n < good.length - 3) assert.equal(r.ok, false, `cut at ${n}`);
  }
  for (let i = 0; i < 2000; i++) {
    const b = new Uint8Array(20 + (i % 40)).map(() => (Math.random() * 256) | 0);
    b[0] = 0x8f;
    b[1] = 205;
    parseTwcc(b);
  }
});

test('the RTCP parser hands transport feedback out typed, and skips a malformed one', () => {
  const fb = buildTwcc(5, 6, 10, 1, [0, 5]);
  const r = parseRtcp(fb);
  assert.ok(r.ok);
  assert.equal(r.packets[0].type, 'twcc');
  const bad = new Uint8Array(fb);
  bad[15] = 200; // claims 200 packets
  const r2 = parseRtcp(bad);
  assert.ok(r2.ok);
  assert.equal(r2.packets[0].type, 'other');
});
