import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reasonPhrase } from '../../src/stun/index.ts';

test('reasonPhrase gives the RFC phrase of every STUN and TURN error code', () => {
  const expected: [number, string][] = [
    [300, 'Try Alternate'],
    [400, 'Bad Request'],
    [401, 'Unauthenticated'],
    [403, 'Forbidden'],
    [405, 'Mobility Forbidden'],
    [420, 'Unknown Attribute'],
    [437, 'Allocation Mismatch'],
    [438, 'Stale Nonce'],
    [440, 'Address Family not Supported'],
    [441, 'Wrong Credentials'],
    [442, 'Unsupported Transport Protocol'],
    [443, 'Peer Address Family Mismatch'],
    [446, 'Connection Already Exists'],
    [447, 'Connection Timeout or Failure'],
    [486, 'Allocation Quota Reached'],
    [487, 'Role Conflict'],
    [500, 'Server Error'],
    [508, 'Insufficient Capacity'],
  ];
  for (const [code, phrase] of expected) assert.equal(reasonPhrase(code), phrase);
});

test('reasonPhrase has a generic phrase for codes no RFC names', () => {
  assert.equal(reasonPhrase(499), 'Unknown Error');
});
