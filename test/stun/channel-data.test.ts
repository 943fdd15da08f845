import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeChannelData, encodeChannelData } from '../../src/stun/index.ts';
import { hex } from './helpers.ts';

test('encodeChannelData writes channel, length and data; padToFour adds zero padding', () => {
  assert.deepEqual(encodeChannelData(0x4001, Buffer.from('hello')), hex('40 01 00 05 68 65 6c 6c 6f'));
  assert.deepEqual(encodeChannelData(0x4fff, Buffer.from('hello'), true), hex('4f ff 00 05 68 65 6c 6c 6f 00 00 00'));
  assert.deepEqual(encodeChannelData(0x4000, new Uint8Array(0), true), hex('40 00 00 00'));
  assert.deepEqual(encodeChannelData(0x4000, new Uint8Array(4), true).length, 8);
});

test('decodeChannelData returns a view of the data, ignoring trailing padding', () => {
  const buf = hex('40 01 00 05 68 65 6c 6c 6f 00 00 00');
  const r = decodeChannelData(buf);
  assert.ok(r.ok);
  assert.equal(r.value.channelNumber, 0x4001);
  assert.deepEqual(r.value.data, Uint8Array.from(Buffer.from('hello')));
  assert.equal(r.value.data.buffer, buf.buffer);
  assert.equal(r.value.data.byteOffset, buf.byteOffset + 4);
});

test('decodeChannelData rejects short input, channel numbers outside 0x4000-0x4FFF, and overruns', () => {
  const reason = (buf: Uint8Array) => {
    const r = decodeChannelData(buf);
    return r.ok ? 'ok' : r.error.reason;
  };
  assert.equal(reason(hex('40 01 00')), 'too-short');
  assert.equal(reason(hex('3f ff 00 00')), 'channel-data-bad-channel');
  assert.equal(reason(hex('50 00 00 00')), 'channel-data-bad-channel');
  assert.equal(reason(hex('00 01 00 00')), 'channel-data-bad-channel');
  assert.equal(reason(hex('40 01 00 05 68 65 6c 6c')), 'channel-data-overrun');
  assert.equal(reason(hex('4f ff 00 00')), 'ok');
});

test('encodeChannelData refuses channel numbers outside the range and oversized data', () => {
  for (const n of [0x3fff, 0x5000, 16384.5]) assert.throws(() => encodeChannelData(n, new Uint8Array(1)), RangeError);
  assert.throws(() => encodeChannelData(0x4000, new Uint8Array(0x10000)), RangeError);
});

test('ChannelData round-trips every data length 0..8, padded or not', () => {
  for (let n = 0; n <= 8; n++) {
    for (const pad of [false, true]) {
      const data = Uint8Array.from({ length: n }, (_, i) => i + 1);
      const r = decodeChannelData(encodeChannelData(0x4abc, data, pad));
      assert.ok(r.ok);
      assert.deepEqual(r.value, { channelNumber: 0x4abc, data });
    }
  }
});
