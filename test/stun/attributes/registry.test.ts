import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attr, type KnownAttrType, type StunAttribute } from '../../../src/stun/index.ts';
import { roundTrip } from '../helpers.ts';
import { SAMPLES } from './samples.ts';

/** Attributes encodeMessage computes from its options instead of copying. */
const COMPUTED = new Set<number>([Attr.MessageIntegrity, Attr.MessageIntegritySha256, Attr.Fingerprint]);

test('every known attribute type round-trips through encode and decode', () => {
  const types = Object.values(Attr).filter((t) => !COMPUTED.has(t)) as KnownAttrType[];
  assert.equal(types.length, Object.keys(Attr).length - COMPUTED.size);
  for (const type of types) {
    const attr = { type, value: SAMPLES[type] } as StunAttribute;
    const msg = roundTrip([attr]);
    assert.deepEqual(msg.attributes, [attr], `attribute 0x${type.toString(16)}`);
  }
});

test('all known attributes together, in order, round-trip in one message', () => {
  const attrs = Object.values(Attr)
    .filter((t) => !COMPUTED.has(t))
    .map((type) => ({ type, value: SAMPLES[type as KnownAttrType] }) as StunAttribute);
  assert.deepEqual(roundTrip(attrs).attributes, attrs);
});
