import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TurnpikeError } from '../../src/errors.ts';
import { NONCE_COOKIE, createNonceService, nonceOffersPasswordAlgorithms } from '../../src/auth/nonce.ts';

const SECRET = Buffer.alloc(32, 7);
const T0 = 1_700_000_000_000;
const service = createNonceService({ secret: SECRET, staleNonceSeconds: 600 });

test('an issued nonce checks valid for the same client IP', () => {
  const nonce = service.issue('192.0.2.10', T0);
  assert.equal(service.check(nonce, '192.0.2.10', T0), 'valid');
  assert.equal(service.check(nonce, '192.0.2.10', T0 + 599_999), 'valid');
});

test('stale exactly staleNonceSeconds after issue', () => {
  const nonce = service.issue('192.0.2.10', T0);
  assert.equal(service.check(nonce, '192.0.2.10', T0 + 600_000 - 1), 'valid');
  assert.equal(service.check(nonce, '192.0.2.10', T0 + 600_000), 'stale');
  assert.equal(service.check(nonce, '192.0.2.10', T0 + 86_400_000), 'stale');
});

test('format: cookie, feature bits, printable ASCII with no quote or backslash, at most 763 bytes (RFC 8489 §9.2, §14.10)', () => {
  const nonce = service.issue('2001:db8::1', T0);
  assert.ok(nonce.startsWith(NONCE_COOKIE + 'AAAA'), nonce);
  assert.match(nonce, /^[\x21\x23-\x5b\x5d-\x7e]+$/);
  assert.ok(nonce.length < 128 && Buffer.byteLength(nonce) <= 763);
  assert.equal(nonceOffersPasswordAlgorithms(nonce), false);
  const sha = createNonceService({ secret: SECRET, staleNonceSeconds: 600, passwordAlgorithms: true });
  const offered = sha.issue('2001:db8::1', T0);
  assert.ok(offered.startsWith(NONCE_COOKIE + 'gAAA'), offered);
  assert.equal(nonceOffersPasswordAlgorithms(offered), true);
  assert.equal(nonceOffersPasswordAlgorithms('plain-nonce'), false);
});

test('every single-character change makes the nonce invalid', () => {
  const nonce = service.issue('192.0.2.10', T0);
  for (let i = 0; i < nonce.length; i++) {
    const replacement = nonce[i] === 'A' ? 'B' : 'A';
    const tampered = nonce.slice(0, i) + replacement + nonce.slice(i + 1);
    assert.equal(service.check(tampered, '192.0.2.10', T0), 'invalid', `position ${i}`);
  }
  assert.equal(service.check(nonce.slice(0, -1), '192.0.2.10', T0), 'invalid');
  assert.equal(service.check(nonce + 'A', '192.0.2.10', T0), 'invalid');
  assert.equal(service.check('', '192.0.2.10', T0), 'invalid');
});

test('stripping the password-algorithms bit (a bid-down) invalidates the nonce', () => {
  const sha = createNonceService({ secret: SECRET, staleNonceSeconds: 600, passwordAlgorithms: true });
  const nonce = sha.issue('192.0.2.10', T0);
  const downgraded = nonce.replace(NONCE_COOKIE + 'gAAA', NONCE_COOKIE + 'AAAA');
  assert.equal(sha.check(downgraded, '192.0.2.10', T0), 'invalid');
});

test('a nonce is bound to the client IP, not its port', () => {
  const nonce = service.issue('192.0.2.10', T0);
  assert.equal(service.check(nonce, '192.0.2.11', T0), 'invalid');
  assert.equal(service.check(nonce, '::ffff:192.0.2.10', T0), 'valid');
  const v6 = service.issue('2001:DB8::1', T0);
  assert.equal(service.check(v6, '2001:db8::1', T0), 'valid');
  assert.equal(service.check(v6, '2001:db8::2', T0), 'invalid');
  // Any spelling of the same address, through the one parser and formatter.
  assert.equal(service.check(nonce, '::FFFF:c000:20a', T0), 'valid');
  assert.equal(service.check(v6, '2001:0db8:0:0:0:0:0:0001', T0), 'valid');
});

test('a nonce from a service with another secret is invalid', () => {
  const foreign = createNonceService({ secret: Buffer.alloc(32, 8), staleNonceSeconds: 600 });
  assert.equal(service.check(foreign.issue('192.0.2.10', T0), '192.0.2.10', T0), 'invalid');
});

test('a fleet sharing a secret accepts each other\'s nonces (string and byte secrets alike)', () => {
  const a = createNonceService({ secret: 'fleet secret', staleNonceSeconds: 300 });
  const b = createNonceService({ secret: Buffer.from('fleet secret'), staleNonceSeconds: 300 });
  assert.equal(b.check(a.issue('198.51.100.7', T0), '198.51.100.7', T0 + 1000), 'valid');
  assert.equal(a.check(b.issue('198.51.100.7', T0), '198.51.100.7', T0 + 1000), 'valid');
});

test('a rotation: nonces of the previous secret are accepted until the grace period ends, new ones use the new secret', () => {
  const old = createNonceService({ secret: 'old fleet secret', staleNonceSeconds: 600 });
  const rotated = createNonceService({ secret: 'new fleet secret', previousSecrets: ['old fleet secret'], previousUntilMs: T0 + 600_000, staleNonceSeconds: 600 });
  const held = old.issue('198.51.100.7', T0 - 1000);
  assert.equal(rotated.check(held, '198.51.100.7', T0), 'valid', 'a client holding an old nonce keeps going');
  assert.equal(rotated.check(held, '198.51.100.8', T0), 'invalid', 'still bound to its address');
  assert.equal(rotated.check(held, '198.51.100.7', T0 + 600_000), 'invalid', 'not after the grace period');
  const fresh = rotated.issue('198.51.100.7', T0);
  assert.equal(old.check(fresh, '198.51.100.7', T0), 'invalid', 'new nonces are signed with the new secret');
  assert.equal(createNonceService({ secret: 'new fleet secret', staleNonceSeconds: 600 }).check(fresh, '198.51.100.7', T0), 'valid');
  assert.throws(() => createNonceService({ secret: 'x', previousSecrets: [''], staleNonceSeconds: 600 }), TurnpikeError);
});

test('a member whose clock runs behind still accepts a fleet nonce within one lifetime of skew', () => {
  const nonce = service.issue('192.0.2.10', T0 + 5000);
  assert.equal(service.check(nonce, '192.0.2.10', T0), 'valid');
  assert.equal(service.check(nonce, '192.0.2.10', T0 + 5000 - 600_000), 'stale');
});

test('an empty secret or a non-positive lifetime is a configuration error', () => {
  assert.throws(() => createNonceService({ secret: '', staleNonceSeconds: 600 }), TurnpikeError);
  assert.throws(() => createNonceService({ secret: new Uint8Array(0), staleNonceSeconds: 600 }), TurnpikeError);
  assert.throws(() => createNonceService({ secret: SECRET, staleNonceSeconds: 0 }), TurnpikeError);
  assert.throws(() => createNonceService({ secret: SECRET, staleNonceSeconds: Number.NaN }), TurnpikeError);
});

test('property: check never throws on arbitrary text and rejects it', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (text) => {
      assert.equal(service.check(text, '192.0.2.10', T0), 'invalid');
    }),
  );
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{30}$/), (body) => {
      assert.equal(service.check(NONCE_COOKIE + 'AAAA' + body, '192.0.2.10', T0), 'invalid');
    }),
  );
});

test('property: issue then check is valid for any IP and time', () => {
  fc.assert(
    fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 0, max: 2 ** 47 }), (ip, now) => {
      assert.equal(service.check(service.issue(ip, now), ip, now), 'valid');
    }),
  );
});

test('a nonce checked again is judged the same without a second HMAC: age still counts, another address still fails', () => {
  const s = createNonceService({ secret: 'cache', staleNonceSeconds: 600 });
  const n = s.issue('198.51.100.7', T0);
  assert.equal(s.check(n, '198.51.100.7', T0 + 1), 'valid');
  assert.equal(s.check(n, '198.51.100.7', T0 + 2), 'valid');
  assert.equal(s.check(n, '198.51.100.8', T0 + 3), 'invalid', 'remembered for its own address only');
  assert.equal(s.check(n, '198.51.100.7', T0 + 599_999), 'valid');
  assert.equal(s.check(n, '198.51.100.7', T0 + 600_001), 'stale', 'age is checked on every use');
  const rotated = createNonceService({ secret: 'new', previousSecrets: ['cache'], previousUntilMs: T0 + 10_000, staleNonceSeconds: 600 });
  assert.equal(rotated.check(n, '198.51.100.7', T0 + 9_000), 'valid');
  assert.equal(rotated.check(n, '198.51.100.7', T0 + 10_000), 'invalid', 'not past the grace period, remembered or not');
});
