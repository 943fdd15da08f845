import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  Attr,
  encodeMessage,
  MessageClass,
  Method,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
  type DecodedStunMessage,
  type StunMessage,
} from '../../src/stun/index.ts';
import { messageHmac } from '../../src/stun/integrity.ts';
import { decodeOk, rawMessage, TID, tlv } from './helpers.ts';

const KEY = Buffer.from('secret');
const base: StunMessage = {
  method: Method.Allocate,
  class: MessageClass.Request,
  transactionId: TID,
  attributes: [{ type: Attr.RequestedTransport, value: 17 }],
};

test('MESSAGE-INTEGRITY verifies with the right key only, also when FINGERPRINT follows', () => {
  for (const fingerprint of [false, true]) {
    const msg = decodeOk(encodeMessage(base, { integrityKey: KEY, fingerprint }));
    assert.equal(verifyMessageIntegrity(msg, KEY), true);
    assert.equal(verifyMessageIntegrity(msg, Buffer.from('Secret')), false);
    assert.equal(verifyMessageIntegritySha256(msg, KEY), false, 'absent');
  }
});

test('MESSAGE-INTEGRITY-SHA256 verifies alone and after MESSAGE-INTEGRITY', () => {
  const alone = decodeOk(encodeMessage(base, { integritySha256Key: KEY }));
  assert.equal(verifyMessageIntegritySha256(alone, KEY), true);
  assert.equal(verifyMessageIntegrity(alone, KEY), false, 'absent');
  const both = decodeOk(encodeMessage(base, { integrityKey: KEY, integritySha256Key: Buffer.from('other'), fingerprint: true }));
  assert.equal(verifyMessageIntegrity(both, KEY), true);
  assert.equal(verifyMessageIntegritySha256(both, Buffer.from('other')), true);
  assert.equal(verifyMessageIntegritySha256(both, KEY), false);
});

test('MESSAGE-INTEGRITY is the HMAC-SHA1 of the message up to it, length adjusted to end at it', () => {
  const buf = encodeMessage(base, { integrityKey: KEY, fingerprint: true });
  const prefix = Buffer.from(buf.subarray(0, 28));
  prefix.writeUInt16BE(28 + 24 - 20, 2);
  assert.deepEqual(buf.subarray(32, 52), createHmac('sha1', KEY).update(prefix).digest());
});

test('a truncated MESSAGE-INTEGRITY-SHA256 is checked on its leading bytes', () => {
  const body = tlv(Attr.Lifetime, Uint8Array.of(0, 0, 0, 60));
  const header = rawMessage(Buffer.concat([body, new Uint8Array(4 + 16)])).subarray(0, 28);
  const mac = createHmac('sha256', KEY).update(header).digest().subarray(0, 16);
  const msg = decodeOk(rawMessage(Buffer.concat([body, tlv(Attr.MessageIntegritySha256, mac)])));
  assert.equal(verifyMessageIntegritySha256(msg, KEY), true);
  assert.equal(verifyMessageIntegritySha256(msg, Buffer.from('nope')), false);
});

test('verification never throws on a hand-made message whose offsets lie', () => {
  const real = decodeOk(encodeMessage(base, { integrityKey: KEY }));
  const liars: DecodedStunMessage[] = [
    { ...real, integrityOffset: 4 },
    { ...real, integrityOffset: real.raw.length - 2 },
    { ...real, integrityOffset: 1.5 },
    { ...real, integrityOffset: 20 },
    { ...real, raw: real.raw.subarray(0, 40) },
  ];
  for (const m of liars) assert.equal(verifyMessageIntegrity(m, KEY), false);
  for (const m of [...liars, real].map((x) => ({ ...x, integritySha256Offset: x.integrityOffset }))) {
    assert.equal(verifyMessageIntegritySha256(m, KEY), false);
  }
});

test('the HMAC equals node:crypto createHmac for keys shorter and longer than a block', () => {
  const input = fc.record({
    algorithm: fc.constantFrom<'sha1' | 'sha256'>('sha1', 'sha256'),
    key: fc.uint8Array({ maxLength: 150 }),
    body: fc.uint8Array({ maxLength: 80 }),
    length: fc.integer({ min: 0, max: 0xffff }),
  });
  fc.assert(
    fc.property(input, ({ algorithm, key, body, length }) => {
      const msg = rawMessage(body);
      const header = Buffer.from(msg.subarray(0, 20));
      header.writeUInt16BE(length, 2);
      const expected = createHmac(algorithm, key).update(header).update(body).digest();
      assert.deepEqual(messageHmac(algorithm, key, msg, msg.length, length), expected);
    }),
    { numRuns: 300 },
  );
});

test('the table CRC-32 behind FINGERPRINT agrees with zlib on any bytes', async () => {
  const { crc32: zlibCrc32 } = await import('node:zlib');
  const { crc32 } = await import('../../src/stun/fingerprint.ts');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => crc32(b) === zlibCrc32(b)));
});
