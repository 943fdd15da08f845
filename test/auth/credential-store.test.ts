import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TurnpikeError } from '../../src/errors.ts';
import { createStaticCredentialStore } from '../../src/auth/credential-store.ts';
import { formatKeyHex, longTermKey, parseKeyHex } from '../../src/auth/long-term-key.ts';
import { restApiPassword } from '../../src/auth/rest-api.ts';

const NOW = 1_700_000_000_000;
const hex = (keys: Uint8Array[]): string[] => keys.map(formatKeyHex);

const base = { realm: 'demo', useAuthSecret: false, staticAuthSecrets: [], restApiSeparator: ':' };

test('static users: password users get their precomputed key, 0x users their given key', () => {
  const store = createStaticCredentialStore({
    ...base,
    users: [
      { name: 'ling', password: 'ling1234' },
      { name: 'ninefingers', key: parseKeyHex('0xbc807ee29df3c9ffa736523fb2c4e8ee') },
    ],
  });
  const ling = store.lookup('ling', 'demo', NOW);
  assert.deepEqual(hex(ling.keys), ['0xccba8f3a6a025a38eb4a0e795fc92705']);
  assert.equal(ling.reason, undefined);
  assert.deepEqual(hex(store.lookup('ninefingers', 'demo', NOW).keys), ['0xbc807ee29df3c9ffa736523fb2c4e8ee']);
});

test('the static store answers synchronously with a plain object', () => {
  const store = createStaticCredentialStore({ ...base, users: [{ name: 'ling', password: 'ling1234' }] });
  const answer: unknown = store.lookup('ling', 'demo', NOW);
  assert.equal(answer instanceof Promise, false);
});

test('unknown users and other realms get no keys and "unknown-user"', () => {
  const store = createStaticCredentialStore({ ...base, users: [{ name: 'ling', password: 'ling1234' }] });
  assert.deepEqual(store.lookup('bob', 'demo', NOW), { keys: [], reason: 'unknown-user' });
  assert.deepEqual(store.lookup('ling', 'other.org', NOW), { keys: [], reason: 'unknown-user' });
});

test('a non-ASCII password offers both its prepared and its raw key', () => {
  const store = createStaticCredentialStore({ ...base, users: [{ name: 'neo', password: 'The\u00adM\u00aatr\u2168' }] });
  const { keys } = store.lookup('neo', 'demo', NOW);
  assert.equal(keys.length, 2);
  assert.deepEqual(keys[0], longTermKey('neo', 'demo', 'TheMatrIX'));
});

test('a user with neither password nor a 16-byte key is a configuration error', () => {
  assert.throws(() => createStaticCredentialStore({ ...base, users: [{ name: 'x' }] }), TurnpikeError);
  assert.throws(
    () => createStaticCredentialStore({ ...base, users: [{ name: 'x', key: new Uint8Array(15) }] }),
    TurnpikeError,
  );
});

const rest = { ...base, useAuthSecret: true, staticAuthSecrets: ['north-secret', 'south-secret'] };

test('REST with two secrets: a credential minted with either one verifies (rotation)', () => {
  const store = createStaticCredentialStore({ ...rest, users: [] });
  // Known answers from openssl for this username (see rest-api.test.ts), a minute before it expires.
  const username = '1700000000:alice';
  const { keys, reason } = store.lookup(username, 'demo', NOW - 60_000);
  assert.equal(reason, undefined);
  assert.deepEqual(hex(keys), [
    formatKeyHex(longTermKey(username, 'demo', 'g+jb180fcj+xlpA/2mP60OdIgU0=')),
    formatKeyHex(longTermKey(username, 'demo', 'vrczJ4LAk4Vli1P7hiL4bQgl7AE=')),
  ]);
  assert.deepEqual(keys[0], longTermKey(username, 'demo', restApiPassword('north-secret', username)));
});

test('REST: an expired timestamp gets no keys and "rest-expired"', () => {
  const store = createStaticCredentialStore({ ...rest, users: [] });
  assert.deepEqual(store.lookup('1699999999:alice', 'demo', NOW), { keys: [], reason: 'rest-expired' });
  assert.equal(store.lookup('1700000000:alice', 'demo', NOW).keys.length, 2);
});

test('REST: a timestamp in milliseconds gets no keys and "rest-milliseconds"', () => {
  const store = createStaticCredentialStore({ ...rest, users: [] });
  assert.deepEqual(store.lookup('1700000600000:alice', 'demo', NOW), { keys: [], reason: 'rest-milliseconds' });
});

test('REST: a username without a timestamp is "rest-malformed" unless it is a static user', () => {
  const store = createStaticCredentialStore({ ...rest, users: [{ name: 'ling', password: 'ling1234' }] });
  assert.deepEqual(store.lookup('alice', 'demo', NOW), { keys: [], reason: 'rest-malformed' });
  assert.deepEqual(hex(store.lookup('ling', 'demo', NOW).keys), ['0xccba8f3a6a025a38eb4a0e795fc92705']);
  assert.equal(store.lookup('1700000600:ling', 'demo', NOW).keys.length, 2);
});

test('REST honours rest-api-separator', () => {
  const store = createStaticCredentialStore({ ...rest, restApiSeparator: '_', users: [] });
  assert.equal(store.lookup('1700000600_alice', 'demo', NOW).keys.length, 2);
  assert.equal(store.lookup('1700000600:alice', 'demo', NOW).reason, 'rest-malformed');
});
