import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  formatKeyHex,
  longTermKey,
  longTermKeySha256,
  longTermKeyUnprepared,
  parseKeyHex,
} from '../../src/auth/long-term-key.ts';

// RFC 5769 §2.4: sample request with long-term authentication.
const RFC5769_USERNAME = '\u30de\u30c8\u30ea\u30c3\u30af\u30b9';
const RFC5769_PASSWORD = 'The\u00adM\u00aatr\u2168';
const RFC5769_REQUEST = Buffer.from(
  '000100602112a44278ad3433c6ad72c029da412e00060012e3839ee38388e383aae38383e382afe382b9' +
    '00000015001c662f2f3439396b39353464364f4c33346f4c394653547679363473410014000b6578616d' +
    '706c652e6f726700000800' +
    '14f67024656dd64a3e02b8e0712e85c9a28ca89666',
  'hex',
);

test('RFC 5769 §2.4: the key of the SASLprep\'d password verifies the sample MESSAGE-INTEGRITY', () => {
  const key = longTermKey(RFC5769_USERNAME, 'example.org', RFC5769_PASSWORD);
  assert.equal(formatKeyHex(key), '0xe8ca7ad59d5eb0518e312911d2dab2a9');
  assert.deepEqual(key, longTermKey(RFC5769_USERNAME, 'example.org', 'TheMatrIX'));
  const signed = RFC5769_REQUEST.subarray(0, RFC5769_REQUEST.length - 24);
  const mac = createHmac('sha1', key).update(signed).digest();
  assert.deepEqual(mac, RFC5769_REQUEST.subarray(RFC5769_REQUEST.length - 20));
});

test('RFC 5769 §2.4 invalid twin: the unprepared password does not verify', () => {
  const key = longTermKeyUnprepared(RFC5769_USERNAME, 'example.org', RFC5769_PASSWORD);
  const mac = createHmac('sha1', key).update(RFC5769_REQUEST.subarray(0, RFC5769_REQUEST.length - 24)).digest();
  assert.notDeepEqual(mac, RFC5769_REQUEST.subarray(RFC5769_REQUEST.length - 20));
});

test('coturn turnadmin -k vectors', () => {
  assert.equal(formatKeyHex(longTermKey('ling', 'demo', 'ling1234')), '0xccba8f3a6a025a38eb4a0e795fc92705');
  assert.equal(
    formatKeyHex(longTermKey('ninefingers', 'north.gov', 'youhavetoberealistic')),
    '0xbc807ee29df3c9ffa736523fb2c4e8ee',
  );
});

test('SHA-256 key is SHA-256(username:realm:password), 32 bytes', () => {
  const key = longTermKeySha256('ling', 'demo', 'ling1234');
  assert.equal(key.length, 32);
  // sha256("ling:demo:ling1234"), computed with `printf %s ling:demo:ling1234 | openssl dgst -sha256`
  assert.equal(key.toString('hex'), 'ba8f9305a33097e4cc711450f33e2a7a0b415798146262e22212304aa7c22613');
});

test('parseKeyHex reads 0x + 32 hex digits and rejects everything else', () => {
  const key = parseKeyHex('0xCCBA8F3A6A025A38EB4A0E795FC92705');
  assert.ok(key);
  assert.equal(formatKeyHex(key), '0xccba8f3a6a025a38eb4a0e795fc92705');
  for (const bad of ['ccba8f3a6a025a38eb4a0e795fc92705', '0xccba', '0xccba8f3a6a025a38eb4a0e795fc9270g', '0x' + 'a'.repeat(34), '']) {
    assert.equal(parseKeyHex(bad), undefined, bad);
  }
});

test('property: parseKeyHex(formatKeyHex(k)) = k for every 16-byte key', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
      assert.deepEqual(parseKeyHex(formatKeyHex(bytes)), Buffer.from(bytes));
    }),
  );
});

test('property: parseKeyHex never throws', () => {
  fc.assert(fc.property(fc.string(), (text) => {
    const key = parseKeyHex(text);
    assert.ok(key === undefined || key.length === 16);
  }));
});
