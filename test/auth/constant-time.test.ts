import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constantTimeEqual } from '../../src/auth/constant-time.ts';

test('equal bytes compare equal, different bytes do not', () => {
  assert.equal(constantTimeEqual(Buffer.from('abcd'), new Uint8Array([0x61, 0x62, 0x63, 0x64])), true);
  assert.equal(constantTimeEqual(Buffer.from('abcd'), Buffer.from('abce')), false);
  assert.equal(constantTimeEqual(new Uint8Array(0), new Uint8Array(0)), true);
});

test('a length mismatch is false, not an exception', () => {
  assert.equal(constantTimeEqual(Buffer.from('abc'), Buffer.from('abcd')), false);
  assert.equal(constantTimeEqual(new Uint8Array(20), new Uint8Array(32)), false);
});
