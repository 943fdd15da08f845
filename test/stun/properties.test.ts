import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  Attr,
  classifyPacket,
  decodeChannelData,
  decodeMessage,
  encodeMessage,
  isStunHeader,
  streamFrameLength,
  unknownComprehensionRequired,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
  type DecodedStunMessage,
} from '../../src/stun/index.ts';
import { ALL_KNOWN_TYPES, COMPUTED, GENERATED_TYPES, encodeOptions, message } from './arbitraries.ts';
import { rawMessage } from './helpers.ts';

const withoutComputed = (m: DecodedStunMessage) => m.attributes.filter((a) => !COMPUTED.has(a.type));

test('the generators cover every known attribute type', () => {
  assert.deepEqual(
    [...GENERATED_TYPES].sort((a, b) => a - b),
    ALL_KNOWN_TYPES.filter((t) => !COMPUTED.has(t)).sort((a, b) => a - b),
  );
});

test('decode(encode(m)) gives m back, with integrity and fingerprint as asked', () => {
  fc.assert(
    fc.property(message, encodeOptions, (m, opts) => {
      const r = decodeMessage(encodeMessage(m, opts));
      if (!r.ok) assert.fail(`${r.error.reason} at ${r.error.offset}: ${r.error.detail}`);
      const { method, class: cls, transactionId } = r.value;
      assert.deepEqual({ method, class: cls, transactionId, attributes: withoutComputed(r.value) }, m);
      const trailer = r.value.attributes.slice(m.attributes.length).map((a) => a.type);
      const expected = [
        ...(opts.integrityKey ? [Attr.MessageIntegrity] : []),
        ...(opts.integritySha256Key ? [Attr.MessageIntegritySha256] : []),
        ...(opts.fingerprint ? [Attr.Fingerprint] : []),
      ];
      assert.deepEqual(trailer, expected);
      assert.equal(r.value.hasFingerprint, opts.fingerprint === true);
      if (opts.integrityKey) assert.equal(verifyMessageIntegrity(r.value, opts.integrityKey), true);
      if (opts.integritySha256Key) assert.equal(verifyMessageIntegritySha256(r.value, opts.integritySha256Key), true);
    }),
    { numRuns: 300 },
  );
});

/** Everything a server does with untrusted bytes; none of it may throw. */
function probe(buf: Uint8Array): void {
  isStunHeader(buf);
  classifyPacket(buf);
  streamFrameLength(buf);
  decodeChannelData(buf);
  const r = decodeMessage(buf);
  if (!r.ok) {
    assert.ok(r.error.offset >= 0 && r.error.offset <= buf.length);
    return;
  }
  verifyMessageIntegrity(r.value, new Uint8Array(4));
  verifyMessageIntegritySha256(r.value, new Uint8Array(4));
  unknownComprehensionRequired(r.value);
  // Whatever decodes can be encoded again and decodes to the same attributes.
  const again = decodeMessage(encodeMessage(r.value));
  assert.ok(again.ok);
  assert.deepEqual(again.value.attributes, withoutComputed(r.value));
}

test('random bytes never make the codec throw', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (buf) => probe(buf)), { numRuns: 1000 });
});

test('a valid header followed by random attribute bytes never makes the codec throw', () => {
  const body = fc.integer({ min: 0, max: 30 }).chain((n) => fc.uint8Array({ minLength: 4 * n, maxLength: 4 * n }));
  fc.assert(fc.property(body, (b) => probe(rawMessage(b))), { numRuns: 1000 });
});

test('mutated valid messages never make the codec throw', () => {
  const mutation = fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) });
  fc.assert(
    fc.property(message, encodeOptions, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.nat(), (m, opts, mutations, cut) => {
      const buf = encodeMessage(m, opts);
      for (const { at, xor } of mutations) buf[at % buf.length] ^= xor;
      probe(buf);
      probe(buf.subarray(0, cut % (buf.length + 1)));
    }),
    { numRuns: 500 },
  );
});
