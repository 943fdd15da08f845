import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attr, decodeMessage, getAttribute } from '../../../src/stun/index.ts';
import { encodeOne, firstValue, rawMessage, roundTrip, tlv } from '../helpers.ts';

const TEXT_TYPES = [
  Attr.Username,
  Attr.Realm,
  Attr.Nonce,
  Attr.Software,
  Attr.AlternateDomain,
  Attr.ThirdPartyAuthorization,
  Attr.Origin,
] as const;

test('text attributes are UTF-8 on the wire, zero-padded', () => {
  const buf = encodeOne({ type: Attr.Username, value: 'h\u00e9' });
  assert.equal(buf.readUInt16BE(22), 3);
  assert.deepEqual(firstValue(buf), Buffer.from([0x68, 0xc3, 0xa9]));
  assert.equal(buf[27], 0);
});

test('text attributes round-trip empty, non-ASCII, astral and BOM-led text unchanged', () => {
  for (const type of TEXT_TYPES) {
    for (const value of ['', 'realm', '\u30de\u30c8\u30ea\u30c3\u30af\u30b9', '\u{1f600}x', '\ufeffbom']) {
      assert.equal(getAttribute(roundTrip([{ type, value }]), type), value);
    }
  }
});

test('encoding refuses lone surrogates and texts over the RFC limits', () => {
  assert.throws(() => encodeOne({ type: Attr.Software, value: 'a\ud800' }), RangeError);
  assert.throws(() => encodeOne({ type: Attr.Username, value: 'u'.repeat(514) }), RangeError);
  assert.throws(() => encodeOne({ type: Attr.Realm, value: '\u00e9'.repeat(382) }), RangeError);
  assert.throws(() => encodeOne({ type: Attr.AlternateDomain, value: 'd'.repeat(256) }), RangeError);
  assert.doesNotThrow(() => encodeOne({ type: Attr.Username, value: 'u'.repeat(513) }));
});

test('ALTERNATE-DOMAIN over 255 bytes is too long on decode', () => {
  const r = decodeMessage(rawMessage(tlv(Attr.AlternateDomain, Buffer.from('d'.repeat(256)))));
  assert.equal(r.ok ? 'ok' : r.error.reason, 'attribute-too-long');
});
