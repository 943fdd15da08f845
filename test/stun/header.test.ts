import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStunHeader } from '../../src/stun/index.ts';
import { fixture, hex } from './helpers.ts';

test('isStunHeader accepts a STUN header and refuses short, high-bit or cookie-less input', () => {
  const stun = fixture('rfc5769-2.1-request.hex');
  assert.equal(isStunHeader(stun), true);
  assert.equal(isStunHeader(stun.subarray(0, 20)), true, 'the header alone suffices');
  assert.equal(isStunHeader(stun.subarray(0, 19)), false);
  const rtp = Buffer.from(stun);
  rtp[0] = 0x80;
  assert.equal(isStunHeader(rtp), false);
  const noCookie = Buffer.from(stun);
  noCookie[6] = 0;
  assert.equal(isStunHeader(noCookie), false);
  assert.equal(isStunHeader(hex('40 01 00 10 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00')), false);
});
