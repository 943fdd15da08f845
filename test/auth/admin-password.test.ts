import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TurnpikeError } from '../../src/errors.ts';
import { hashAdminPassword, verifyAdminPassword } from '../../src/auth/admin-password.ts';

// Printed by coturn 4.6.1's `turnadmin -P -p qwerty`.
const COTURN_QWERTY = '$5$a26fe6aa0701d06c$45f63ed2685702c59f9368b6c0ce2c84d876f325e898dbd9704027fdeba60797';

test('a hash made by coturn\'s turnadmin -P verifies, and a wrong password does not', () => {
  assert.equal(verifyAdminPassword(COTURN_QWERTY, 'qwerty'), true);
  assert.equal(verifyAdminPassword(COTURN_QWERTY, 'qwertz'), false);
  assert.equal(verifyAdminPassword(COTURN_QWERTY, ''), false);
});

test('hashing with coturn\'s salt reproduces coturn\'s hash', () => {
  assert.equal(hashAdminPassword('qwerty', Buffer.from('a26fe6aa0701d06c', 'hex')), COTURN_QWERTY);
});

test('hashes have the "$5$<16 hex>$<64 hex>" shape and verify', () => {
  const hash = hashAdminPassword('s3cr\u00e9t', Buffer.from('0011223344556677', 'hex'));
  assert.match(hash, /^\$5\$[0-9a-f]{16}\$[0-9a-f]{64}$/);
  assert.equal(verifyAdminPassword(hash, 's3cr\u00e9t'), true);
});

test('malformed hashes never verify', () => {
  for (const bad of ['', 'qwerty', '$1$a26fe6aa0701d06c$45f6', COTURN_QWERTY.slice(0, -1), COTURN_QWERTY.replace('$5$', '$6$')]) {
    assert.equal(verifyAdminPassword(bad, 'qwerty'), false, bad);
  }
});

test('a salt that is not 8 bytes is refused', () => {
  assert.throws(() => hashAdminPassword('x', new Uint8Array(16)), TurnpikeError);
});
