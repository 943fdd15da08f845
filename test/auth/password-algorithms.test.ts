/**
 * RFC 8489 §9.2 server side: the Appendix B.1 sample request (as corrected by erratum 6268:
 * USERHASH, PASSWORD-ALGORITHM SHA-256, MESSAGE-INTEGRITY-SHA256) beside an invalid twin; the
 * password algorithm negotiation and its bid-down protection; the challenge; the keys and
 * USERHASH look-up of the configuration's users and REST secrets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNonceService } from '../../src/auth/nonce.ts';
import { longTermKeySha256, longTermKey } from '../../src/auth/long-term-key.ts';
import { choosePasswordAlgorithm, OFFERED_PASSWORD_ALGORITHMS, PasswordAlgorithm, userhashOf } from '../../src/auth/password-algorithms.ts';
import { createStaticCredentialStore } from '../../src/auth/credential-store.ts';
import { restApiPassword } from '../../src/auth/rest-api.ts';
import { authenticate, carriesCredentials, challengeAttributes } from '../../src/turn/authenticate.ts';
import { decodeMessage, encodeMessage, getAttribute, verifyMessageIntegritySha256 } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method, type DecodedStunMessage, type StunAttribute } from '../../src/stun/types.ts';

/** RFC 8489 Appendix B.1 with erratum 6268: user "マトリックス", password "TheMatrIX", realm "example.org". */
const B1_USERNAME = '\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9';
const B1_PASSWORD = 'TheMatrIX';
const B1_REALM = 'example.org';
const B1 = Buffer.from(
  '000100902112a44278ad3433c6ad72c029da412e' +
    '001e0020' + '4a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704' +
    '00150029' + Buffer.from('obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA').toString('hex') + '000000' +
    '0014000b' + Buffer.from(B1_REALM).toString('hex') + '00' +
    '001d0004' + '00020000' +
    '001c0020' + 'b5c7bf005b6c52a21c51c5e892f81924136296cb927c43149309278cc6518e65',
  'hex',
);

function decoded(bytes: Uint8Array): DecodedStunMessage {
  const d = decodeMessage(bytes);
  assert.ok(d.ok, 'decodes');
  return d.value;
}

test('RFC 8489 B.1: USERHASH is SHA-256(user:realm) and MESSAGE-INTEGRITY-SHA256 verifies with the SHA-256 key', () => {
  const msg = decoded(B1);
  assert.deepEqual(Buffer.from(getAttribute(msg, Attr.Userhash)!), userhashOf(B1_USERNAME, B1_REALM));
  assert.deepEqual(getAttribute(msg, Attr.PasswordAlgorithm)?.algorithm, PasswordAlgorithm.SHA256);
  assert.equal(carriesCredentials(msg), true);
  assert.equal(verifyMessageIntegritySha256(msg, longTermKeySha256(B1_USERNAME, B1_REALM, B1_PASSWORD)), true);
  assert.equal(verifyMessageIntegritySha256(msg, longTermKey(B1_USERNAME, B1_REALM, B1_PASSWORD)), false);
  // The sample has no PASSWORD-ALGORITHMS: to a server whose nonce offered them, §9.2.4 says 400.
  assert.deepEqual(choosePasswordAlgorithm(msg, true), { ok: false, why: 'password-algorithm-mismatch' });
  assert.deepEqual(choosePasswordAlgorithm(msg, false), { ok: true, algorithm: PasswordAlgorithm.MD5 });
});

test('RFC 8489 B.1, invalid twin: one bit of the realm changed, the MAC no longer verifies', () => {
  const twin = Buffer.from(B1);
  twin[B1.indexOf(Buffer.from(B1_REALM))] ^= 0x20;
  const msg = decoded(twin);
  assert.equal(verifyMessageIntegritySha256(msg, longTermKeySha256(B1_USERNAME, B1_REALM, B1_PASSWORD)), false);
});

const SECRET = 'nonce secret';
const T0 = 1_700_000_000_000;
const IP = '192.0.2.1';
const nonces = createNonceService({ secret: SECRET, staleNonceSeconds: 600, passwordAlgorithms: true, usernameAnonymity: true });
const FEATURES = { passwordAlgorithms: true, oauth: true, oauthServerName: 'turn.example.org' };
const store = createStaticCredentialStore({ users: [{ name: 'alice', password: 'secret' }, { name: 'keyonly', key: Buffer.alloc(16, 1) }], realm: B1_REALM, useAuthSecret: false, staticAuthSecrets: [], restApiSeparator: ':' });

/** A request signed as an RFC 8489 client signs it. */
function request(opts: { user?: StunAttribute; algorithm?: number; offered?: StunAttribute['value']; sha256Key?: Uint8Array; key?: Uint8Array; nonce?: string }): DecodedStunMessage {
  const attrs: StunAttribute[] = [
    opts.user ?? { type: Attr.Username, value: 'alice' },
    { type: Attr.Realm, value: B1_REALM },
    { type: Attr.Nonce, value: opts.nonce ?? nonces.issue(IP, T0) },
  ];
  if (opts.algorithm !== undefined) attrs.push({ type: Attr.PasswordAlgorithm, value: { algorithm: opts.algorithm, parameters: new Uint8Array(0) } });
  if (opts.offered !== undefined) attrs.push({ type: Attr.PasswordAlgorithms, value: opts.offered } as StunAttribute);
  const bytes = encodeMessage({ method: Method.Allocate, class: MessageClass.Request, transactionId: Buffer.alloc(12, 3), attributes: attrs }, { integrityKey: opts.key, integritySha256Key: opts.sha256Key });
  return decoded(bytes);
}

test('the challenge offers PASSWORD-ALGORITHMS (MD5 first) and names the server for third-party authorization', () => {
  const attrs = challengeAttributes('r', 'n', FEATURES);
  assert.deepEqual(attrs.map((a) => a.type), [Attr.Realm, Attr.Nonce, Attr.PasswordAlgorithms, Attr.ThirdPartyAuthorization]);
  assert.deepEqual((attrs[2].value as typeof OFFERED_PASSWORD_ALGORITHMS).map((a) => a.algorithm), [PasswordAlgorithm.MD5, PasswordAlgorithm.SHA256]);
  assert.equal(attrs[3].value, 'turn.example.org');
  assert.equal(challengeAttributes('r', 'n', { oauth: true })[2].value, 'r');
  assert.equal(challengeAttributes('r', 'n', {}).length, 2);
});

test('SHA-256 chosen honestly: MESSAGE-INTEGRITY-SHA256 with the SHA-256 key authenticates', () => {
  const key = longTermKeySha256('alice', B1_REALM, 'secret');
  const req = request({ algorithm: PasswordAlgorithm.SHA256, offered: [...OFFERED_PASSWORD_ALGORITHMS], sha256Key: key });
  const out = authenticate(req, store.lookup('alice', B1_REALM, T0), B1_REALM, nonces, IP, T0, FEATURES);
  assert.ok(out.ok);
  assert.deepEqual(Buffer.from(out.key), key);
});

test('MD5 chosen, signed with MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256: both authenticate', () => {
  const key = longTermKey('alice', B1_REALM, 'secret');
  for (const sign of [{ key }, { sha256Key: key }]) {
    const req = request({ algorithm: PasswordAlgorithm.MD5, offered: [...OFFERED_PASSWORD_ALGORITHMS], ...sign });
    assert.equal(authenticate(req, store.lookup('alice', B1_REALM, T0), B1_REALM, nonces, IP, T0, FEATURES).ok, true);
  }
  // An RFC 5389 client names no algorithm: MD5.
  assert.equal(authenticate(request({ key }), store.lookup('alice', B1_REALM, T0), B1_REALM, nonces, IP, T0, FEATURES).ok, true);
});

test('bid-down: PASSWORD-ALGORITHMS not the list offered, or one of the two attributes missing, is 400', () => {
  const key = longTermKey('alice', B1_REALM, 'secret');
  const lookup = store.lookup('alice', B1_REALM, T0);
  const md5Only = [OFFERED_PASSWORD_ALGORITHMS[0]];
  const reversed = [...OFFERED_PASSWORD_ALGORITHMS].reverse();
  for (const [why, req] of [
    ['SHA-256 removed', request({ algorithm: PasswordAlgorithm.MD5, offered: md5Only, key })],
    ['reordered', request({ algorithm: PasswordAlgorithm.MD5, offered: reversed, key })],
    ['no PASSWORD-ALGORITHMS', request({ algorithm: PasswordAlgorithm.MD5, key })],
    ['no PASSWORD-ALGORITHM', request({ offered: [...OFFERED_PASSWORD_ALGORITHMS], key })],
    ['an algorithm not offered', request({ algorithm: 0x0003, offered: [...OFFERED_PASSWORD_ALGORITHMS], key })],
  ] as const) {
    const out = authenticate(req, lookup, B1_REALM, nonces, IP, T0, FEATURES);
    assert.ok(!out.ok && out.code === 400 && out.reason === 'password-algorithm-mismatch', why);
  }
  // A server that offers nothing does not read the two attributes: MD5.
  const plain = createNonceService({ secret: SECRET, staleNonceSeconds: 600 });
  const req = request({ algorithm: PasswordAlgorithm.MD5, offered: md5Only, key, nonce: plain.issue(IP, T0) });
  assert.equal(authenticate(req, lookup, B1_REALM, plain, IP, T0, {}).ok, true);
});

test('SHA-256 for a user with an MD5 key only is 401 password-algorithm-unavailable, with a fresh challenge', () => {
  const req = request({ user: { type: Attr.Username, value: 'keyonly' }, algorithm: PasswordAlgorithm.SHA256, offered: [...OFFERED_PASSWORD_ALGORITHMS], sha256Key: Buffer.alloc(32) });
  const out = authenticate(req, store.lookup('keyonly', B1_REALM, T0), B1_REALM, nonces, IP, T0, FEATURES);
  assert.ok(!out.ok && out.code === 401 && out.reason === 'password-algorithm-unavailable');
  assert.ok(out.attrs.some((a) => a.type === Attr.PasswordAlgorithms));
});

test('USERHASH: the configured users are found by their hash, in their realm only', () => {
  assert.equal(store.resolveUserhash(userhashOf('alice', B1_REALM), B1_REALM), 'alice');
  assert.equal(store.resolveUserhash(userhashOf('alice', B1_REALM), 'other.org'), undefined);
  assert.equal(store.resolveUserhash(userhashOf('mallory', B1_REALM), B1_REALM), undefined);
  const key = longTermKeySha256('alice', B1_REALM, 'secret');
  const req = request({ user: { type: Attr.Userhash, value: userhashOf('alice', B1_REALM) }, algorithm: PasswordAlgorithm.SHA256, offered: [...OFFERED_PASSWORD_ALGORITHMS], sha256Key: key });
  const out = authenticate(req, { ...store.lookup('alice', B1_REALM, T0), username: 'alice' }, B1_REALM, nonces, IP, T0, FEATURES);
  assert.ok(out.ok && out.username === 'alice');
});

test('REST API credentials have SHA-256 keys too: the password is known', () => {
  const rest = createStaticCredentialStore({ users: [], realm: B1_REALM, useAuthSecret: true, staticAuthSecrets: ['s3cret'], restApiSeparator: ':' });
  const username = `${T0 / 1000 + 3600}:bob`;
  const found = rest.lookup(username, B1_REALM, T0);
  assert.deepEqual(found.sha256Keys, [longTermKeySha256(username, B1_REALM, restApiPassword('s3cret', username))]);
});
