import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attr, encodeMessage, MessageClass, Method, type StunAttribute, type StunMessage } from '../../src/stun/index.ts';
import { decodeOk, TID } from './helpers.ts';

const message = (attributes: StunAttribute[] = [], method: number = Method.Binding, cls = MessageClass.Request): StunMessage => ({
  method,
  class: cls,
  transactionId: TID,
  attributes,
});

test('the message type interleaves method and class bits (RFC 8489 §5)', () => {
  const cases: [number, number, number][] = [
    [Method.Binding, MessageClass.Request, 0x0001],
    [Method.Binding, MessageClass.SuccessResponse, 0x0101],
    [Method.Binding, MessageClass.ErrorResponse, 0x0111],
    [Method.Send, MessageClass.Indication, 0x0016],
    [Method.Data, MessageClass.Indication, 0x0017],
    [Method.Allocate, MessageClass.ErrorResponse, 0x0113],
    [Method.ConnectionAttempt, MessageClass.Request, 0x000c],
    [0xfff, MessageClass.ErrorResponse, 0x3fff],
  ];
  for (const [method, cls, type] of cases) {
    const buf = encodeMessage(message([], method, cls as typeof MessageClass.Request));
    assert.equal(buf.readUInt16BE(0), type);
    const msg = decodeOk(buf);
    assert.equal(msg.method, method);
    assert.equal(msg.class, cls);
  }
});

test('the header carries the length, the magic cookie and the transaction id', () => {
  const buf = encodeMessage(message([{ type: Attr.Lifetime, value: 600 }]));
  assert.equal(buf.length, 28);
  assert.equal(buf.readUInt16BE(2), 8);
  assert.equal(buf.readUInt32BE(4), 0x2112a442);
  assert.deepEqual(buf.subarray(8, 20), TID);
});

test('options append MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT in that order', () => {
  const buf = encodeMessage(message([{ type: Attr.Software, value: 'x' }]), {
    integrityKey: Buffer.from('k1'),
    integritySha256Key: Buffer.from('k2'),
    fingerprint: true,
  });
  const msg = decodeOk(buf);
  assert.deepEqual(
    msg.attributes.map((a) => a.type),
    [Attr.Software, Attr.MessageIntegrity, Attr.MessageIntegritySha256, Attr.Fingerprint],
  );
  assert.equal(msg.integrityOffset, 28);
  assert.equal(msg.integritySha256Offset, 52);
  assert.equal(msg.hasFingerprint, true);
  assert.equal(buf.length, 28 + 24 + 36 + 8);
});

test('integrity and fingerprint attributes already in the message are skipped, not copied', () => {
  const attrs: StunAttribute[] = [
    { type: Attr.MessageIntegrity, value: new Uint8Array(20) },
    { type: Attr.Lifetime, value: 1 },
    { type: Attr.Fingerprint, value: 5 },
    { type: Attr.MessageIntegritySha256, value: new Uint8Array(32) },
  ];
  assert.deepEqual(decodeOk(encodeMessage(message(attrs))).attributes, [{ type: Attr.Lifetime, value: 1 }]);
});

test('unknown attributes are written back from their raw bytes', () => {
  const unknown: StunAttribute = { type: 0x7e01, value: Uint8Array.of(1, 2, 3), unknown: true };
  assert.deepEqual(decodeOk(encodeMessage(message([unknown]))).attributes, [unknown]);
});

test('impossible header fields and oversized messages are refused with a RangeError', () => {
  assert.throws(() => encodeMessage({ ...message(), method: 0x1000 }), RangeError);
  assert.throws(() => encodeMessage({ ...message(), class: 4 as 0 }), RangeError);
  assert.throws(() => encodeMessage({ ...message(), transactionId: new Uint8Array(11) }), RangeError);
  assert.throws(() => encodeMessage(message([{ type: 0x10000, value: new Uint8Array(0), unknown: true }])), RangeError);
  const big = new Uint8Array(0xfffc - 4);
  assert.doesNotThrow(() => encodeMessage(message([{ type: Attr.Data, value: big }])));
  assert.throws(() => encodeMessage(message([{ type: Attr.Data, value: big }]), { fingerprint: true }), RangeError);
});
