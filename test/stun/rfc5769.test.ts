import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  Attr,
  decodeMessage,
  encodeMessage,
  getAttribute,
  MessageClass,
  Method,
  verifyMessageIntegrity,
  type DecodedStunMessage,
} from '../../src/stun/index.ts';
import { decodeOk, fixture, TID } from './helpers.ts';

const SHORT_TERM = Buffer.from('VOkJxbRl1RmTxUk/WvJxBt');
const USERNAME = '\u30de\u30c8\u30ea\u30c3\u30af\u30b9';
// RFC 5769 §2.4: the password "The\u00adM\u00aatr\u2168x" after SASLprep is "TheMatrIX".
const LONG_TERM_KEY = createHash('md5').update(`${USERNAME}:example.org:TheMatrIX`, 'utf8').digest();

/** The same bytes with one bit of the byte at `offset` flipped. */
function flipped(buf: Buffer, offset: number): Buffer {
  const copy = Buffer.from(buf);
  copy[offset] ^= 0x01;
  return copy;
}

/** With FINGERPRINT present, a flipped bit is caught at decode time. */
function assertFingerprintCatches(buf: Buffer, offset: number): void {
  const r = decodeMessage(flipped(buf, offset));
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.reason, 'fingerprint-mismatch');
}

test('RFC 5769 §2.1: the sample request decodes, its integrity and fingerprint check out', () => {
  const buf = fixture('rfc5769-2.1-request.hex');
  const msg = decodeOk(buf);
  assert.equal(msg.method, Method.Binding);
  assert.equal(msg.class, MessageClass.Request);
  assert.deepEqual(msg.transactionId, new Uint8Array(TID));
  assert.equal(getAttribute(msg, Attr.Software), 'STUN test client');
  assert.equal(getAttribute(msg, Attr.Priority), 0x6e0001ff);
  assert.equal(getAttribute(msg, Attr.IceControlled), 0x932ff9b151263b36n);
  assert.equal(getAttribute(msg, Attr.Username), 'evtj:h6vY');
  assert.equal(msg.hasFingerprint, true);
  assert.equal(msg.integrityOffset, 20 + 20 + 8 + 12 + 16);
  assert.equal(verifyMessageIntegrity(msg, SHORT_TERM), true);
  assert.equal(verifyMessageIntegrity(msg, Buffer.from('VOkJxbRl1RmTxUk/WvJxBT')), false);
});

test('RFC 5769 §2.1 twin: a flipped bit fails the fingerprint, and with it fixed, the integrity', () => {
  const buf = fixture('rfc5769-2.1-request.hex');
  assertFingerprintCatches(buf, 30);
  // Drop FINGERPRINT so the flipped bit reaches the HMAC check.
  const noFingerprint = Buffer.from(buf.subarray(0, buf.length - 8));
  noFingerprint.writeUInt16BE(noFingerprint.length - 20, 2);
  assert.equal(verifyMessageIntegrity(decodeOk(noFingerprint), SHORT_TERM), true);
  assert.equal(verifyMessageIntegrity(decodeOk(flipped(noFingerprint, 30)), SHORT_TERM), false);
});

test('RFC 5769 §2.2: the IPv4 response carries 192.0.2.1:32853', () => {
  const msg = decodeOk(fixture('rfc5769-2.2-ipv4-response.hex'));
  assert.equal(msg.class, MessageClass.SuccessResponse);
  assert.equal(getAttribute(msg, Attr.Software), 'test vector');
  assert.deepEqual(getAttribute(msg, Attr.XorMappedAddress), { family: 'IPv4', address: '192.0.2.1', port: 32853 });
  assert.equal(verifyMessageIntegrity(msg, SHORT_TERM), true);
});

test('RFC 5769 §2.2 twin: a flipped address bit fails the fingerprint', () => {
  assertFingerprintCatches(fixture('rfc5769-2.2-ipv4-response.hex'), 44);
});

test('RFC 5769 §2.3: the IPv6 response carries [2001:db8:1234:5678:11:2233:4455:6677]:32853', () => {
  const msg = decodeOk(fixture('rfc5769-2.3-ipv6-response.hex'));
  assert.deepEqual(getAttribute(msg, Attr.XorMappedAddress), {
    family: 'IPv6',
    address: '2001:db8:1234:5678:11:2233:4455:6677',
    port: 32853,
  });
  assert.equal(verifyMessageIntegrity(msg, SHORT_TERM), true);
});

test('RFC 5769 §2.3 twin: a flipped address bit fails the fingerprint', () => {
  assertFingerprintCatches(fixture('rfc5769-2.3-ipv6-response.hex'), 50);
});

test('RFC 5769 §2.2/2.3: re-encoding the decoded responses verifies under the same key', () => {
  for (const name of ['rfc5769-2.2-ipv4-response.hex', 'rfc5769-2.3-ipv6-response.hex']) {
    const msg = decodeOk(fixture(name));
    const again = decodeOk(encodeMessage(msg, { integrityKey: SHORT_TERM, fingerprint: true }));
    assert.deepEqual(again.attributes.slice(0, 2), msg.attributes.slice(0, 2));
    assert.equal(verifyMessageIntegrity(again, SHORT_TERM), true);
  }
});

test('RFC 5769 §2.4: the long-term request verifies under MD5(username:realm:SASLprep(password))', () => {
  const buf = fixture('rfc5769-2.4-long-term-request.hex');
  const msg = decodeOk(buf);
  assert.equal(getAttribute(msg, Attr.Username), USERNAME);
  assert.equal(getAttribute(msg, Attr.Nonce), 'f//499k954d6OL34oL9FSTvy64sA');
  assert.equal(getAttribute(msg, Attr.Realm), 'example.org');
  assert.equal(msg.hasFingerprint, false);
  assert.equal(verifyMessageIntegrity(msg, LONG_TERM_KEY), true);
  const wrongKey = createHash('md5').update(`${USERNAME}:example.org:thematrix`, 'utf8').digest();
  assert.equal(verifyMessageIntegrity(msg, wrongKey), false);
});

test('RFC 5769 §2.4: encoding the same attributes under the same key gives the vector byte for byte', () => {
  const buf = fixture('rfc5769-2.4-long-term-request.hex');
  const msg: DecodedStunMessage = decodeOk(buf);
  assert.deepEqual(encodeMessage(msg, { integrityKey: LONG_TERM_KEY }), buf);
});

test('RFC 5769 §2.4 twin: a flipped bit in the nonce fails the integrity check', () => {
  const buf = fixture('rfc5769-2.4-long-term-request.hex');
  const msg = decodeOk(flipped(buf, 50));
  assert.notEqual(getAttribute(msg, Attr.Nonce), 'f//499k954d6OL34oL9FSTvy64sA');
  assert.equal(verifyMessageIntegrity(msg, LONG_TERM_KEY), false);
});
