import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attr, encodeChannelData, encodeMessage, MessageClass, Method, streamFrameLength } from '../../src/stun/index.ts';
import { hex, TID } from './helpers.ts';

const stun = encodeMessage({ method: Method.Refresh, class: MessageClass.Request, transactionId: TID, attributes: [{ type: Attr.Lifetime, value: 0 }] });
const channel = encodeChannelData(0x4002, Buffer.from('hello'), true);

test('a whole STUN message is 20 bytes plus its length field', () => {
  assert.equal(streamFrameLength(stun), stun.length);
  assert.equal(streamFrameLength(Buffer.concat([stun, channel])), stun.length);
});

test('a ChannelData frame is 4 bytes plus its length, rounded up to 4', () => {
  assert.equal(streamFrameLength(channel), 12);
  assert.equal(streamFrameLength(Buffer.concat([channel, stun])), 12);
  assert.equal(streamFrameLength(hex('40 00 00 00')), 4);
});

test('a stream cut anywhere inside a frame asks for more bytes', () => {
  for (const frame of [stun, channel]) {
    for (let n = 0; n < frame.length; n++) assert.equal(streamFrameLength(frame.subarray(0, n)), 0, `${n} bytes`);
  }
});

test('bytes that are neither STUN nor ChannelData are refused', () => {
  assert.equal(streamFrameLength(hex('80 00 00 00')), -1);
  assert.equal(streamFrameLength(hex('16 03 01 02 00 01 00 01 fc 03 03')), -1); // a TLS ClientHello on a plain TCP port
  assert.equal(streamFrameLength(hex('50 00 00 00')), -1);
  assert.equal(streamFrameLength(hex('00 01 00 02 21 12 a4 42')), -1);
  assert.equal(streamFrameLength(hex('00 01 00 00 21 12 a4 43')), -1);
});

test('a stream of several frames is cut into exactly those frames', () => {
  const frames = [stun, channel, encodeChannelData(0x4fff, new Uint8Array(0), true), stun];
  let rest: Uint8Array = Buffer.concat(frames);
  const lengths: number[] = [];
  for (let n = streamFrameLength(rest); n > 0; n = streamFrameLength(rest)) {
    lengths.push(n);
    rest = rest.subarray(n);
  }
  assert.deepEqual(lengths, frames.map((f) => f.length));
  assert.equal(rest.length, 0);
});
