import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  checkRestExpiry,
  parseRestUsername,
  restApiCredentials,
  restApiPassword,
} from '../../src/auth/rest-api.ts';

// Expected values from: printf '%s' USER | openssl dgst -sha1 -hmac SECRET -binary | base64
test('password is base64(HMAC-SHA1(secret, username)) — openssl known answers', () => {
  assert.equal(restApiPassword('north-secret', '1700000000:alice'), 'g+jb180fcj+xlpA/2mP60OdIgU0=');
  assert.equal(restApiPassword('south-secret', '1700000000:alice'), 'vrczJ4LAk4Vli1P7hiL4bQgl7AE=');
  assert.equal(restApiPassword('north-secret', '1700000000'), 'KSVUc7JbPzLiz2XwcNjXxFmbP04=');
});

test('parses "<expiry>:<user>", a bare "<expiry>", and coturn\'s reversed "<user>:<expiry>"', () => {
  assert.deepEqual(parseRestUsername('1700000000:alice', ':'), { ok: true, expiresAt: 1700000000, user: 'alice' });
  assert.deepEqual(parseRestUsername('1700000000', ':'), { ok: true, expiresAt: 1700000000, user: '' });
  assert.deepEqual(parseRestUsername('alice:1700000000', ':'), { ok: true, expiresAt: 1700000000, user: 'alice' });
  assert.deepEqual(parseRestUsername('1700000000:alice:work', ':'), {
    ok: true,
    expiresAt: 1700000000,
    user: 'alice:work',
  });
});

test('rest-api-separator is honoured', () => {
  assert.deepEqual(parseRestUsername('1700000000_alice', '_'), { ok: true, expiresAt: 1700000000, user: 'alice' });
  assert.deepEqual(parseRestUsername('1700000000_alice', ':'), { ok: false, reason: 'bad-timestamp' });
});

test('usernames without a timestamp, and mistyped ones, say which', () => {
  assert.deepEqual(parseRestUsername('alice', ':'), { ok: false, reason: 'no-timestamp' });
  assert.deepEqual(parseRestUsername('alice:bob', ':'), { ok: false, reason: 'no-timestamp' });
  assert.deepEqual(parseRestUsername('', ':'), { ok: false, reason: 'no-timestamp' });
  assert.deepEqual(parseRestUsername('17000x:alice', ':'), { ok: false, reason: 'bad-timestamp' });
  assert.deepEqual(parseRestUsername('alice:1700000000x', ':'), { ok: false, reason: 'bad-timestamp' });
  assert.deepEqual(parseRestUsername('99999999999999999999:alice', ':'), { ok: false, reason: 'bad-timestamp' });
});

test('expiry holds through its own second and lapses after it', () => {
  const expiresAt = 1700000000;
  assert.equal(checkRestExpiry(expiresAt, expiresAt * 1000), 'valid');
  assert.equal(checkRestExpiry(expiresAt, expiresAt * 1000 + 999), 'valid');
  assert.equal(checkRestExpiry(expiresAt, expiresAt * 1000 + 1000), 'expired');
  assert.equal(checkRestExpiry(expiresAt, 0), 'valid');
});

test('a timestamp in milliseconds is reported as such, never accepted', () => {
  const nowMs = 1700000000000;
  assert.equal(checkRestExpiry(nowMs + 3600_000, nowMs), 'milliseconds');
  assert.equal(checkRestExpiry(nowMs - 3600_000, nowMs), 'milliseconds');
});

test('minted credentials expire ttl seconds after now and verify with the same secret', () => {
  const nowMs = 1700000000500;
  const creds = restApiCredentials('north-secret', 'alice', 86400, nowMs);
  assert.equal(creds.username, '1700086400:alice');
  assert.equal(creds.password, restApiPassword('north-secret', '1700086400:alice'));
  assert.equal(creds.ttl, 86400);
  assert.equal(restApiCredentials('s', '', 60, nowMs).username, '1700000060');
  assert.equal(restApiCredentials('s', 'bob', 60, nowMs, '-').username, '1700000060-bob');
});

test('property: minted usernames parse back to their expiry and user', () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[a-z][a-z0-9@.]{0,20}$/),
      fc.integer({ min: 1, max: 10 * 86400 }),
      fc.integer({ min: 0, max: 4e12 }),
      (user, ttl, nowMs) => {
        const { username } = restApiCredentials('secret', user, ttl, nowMs);
        const parsed = parseRestUsername(username, ':');
        assert.deepEqual(parsed, { ok: true, expiresAt: Math.floor(nowMs / 1000) + ttl, user });
        assert.equal(checkRestExpiry(Math.floor(nowMs / 1000) + ttl, nowMs), 'valid');
      },
    ),
  );
});

test('property: parseRestUsername never throws', () => {
  fc.assert(fc.property(fc.string(), fc.constantFrom(':', '_', '-', ''), (name, sep) => {
    const parsed = parseRestUsername(name, sep);
    assert.equal(typeof parsed.ok, 'boolean');
  }));
});
