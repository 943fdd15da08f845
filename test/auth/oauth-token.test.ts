/**
 * RFC 7635 access tokens: the Appendix B sample's inputs sealed into the exact bytes coturn's
 * `turnutils_oauth -e` makes of them (A256GCM and A128GCM), each beside an invalid twin; the
 * `oauth_key` row reading; and the look-up that opens a token under its kid's row with
 * coturn's lifetime checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOAuthToken, encodeOAuthToken, oauthKeyFromRow, oauthTimestamp, oauthTimestampSeconds, type OAuthKey } from '../../src/auth/oauth-token.ts';
import { createAccessTokenAuthority, ROW_FRESH_MS, tokenIsCurrent } from '../../src/auth/oauth-credentials.ts';
import type { DbOAuthKey } from '../../src/db/types.ts';

/** RFC 7635 Appendix B: the sample's values. */
const SERVER_NAME = 'blackdow.carleon.gov';
const KID = '2783466234';
const AS_RS_KEY_TEXT = 'HGkj32KJGiuy098sdfaqbNjOiaz71923';
const MAC_KEY = Buffer.from('ZksjpweoixXmvn67534m');
const TIMESTAMP = 92470300704768n;
const LIFETIME = 3600;
const NONCE = Buffer.from('h4j3k2l2n4b5');
/** `turnutils_oauth -e -i blackdow.carleon.gov -j 2783466234 -k <base64 key> -n A256GCM -o <nonce> -p <mac key> -q 92470300704768 -r 3600` */
const TOKEN_A256GCM = 'AAxoNGozazJsMm40YjVhfvE0o9XkTpoZzH3BBLDAPQOypVHY/fXNO23KbxDPt35bLd7ITSk6XFBJk1nwwuJvdg==';
/** the same with `-n A128GCM` (the key's first 16 bytes) */
const TOKEN_A128GCM = 'AAxoNGozazJsMm40YjV/uemfCCe+PfHhvWUUk9MDHTbfVweXhK7l6stl+tTyf6saP5eXS2n4UbJL9a8J7aNX4A==';

function row(over: Partial<DbOAuthKey> = {}): DbOAuthKey {
  return { kid: KID, ikmKey: Buffer.from(AS_RS_KEY_TEXT).toString('base64'), timestamp: 1234567890, lifetime: 0, asRsAlg: 'A256GCM', realm: '', ...over };
}

function keyOf(r: DbOAuthKey): OAuthKey {
  const k = oauthKeyFromRow(r);
  assert.ok(k.ok, 'the row is usable');
  return k.key;
}

for (const [alg, token] of [['A256GCM', TOKEN_A256GCM], ['A128GCM', TOKEN_A128GCM]] as const) {
  test(`RFC 7635 Appendix B sample sealed with ${alg}: the bytes turnutils_oauth makes, and back`, () => {
    const key = keyOf(row({ asRsAlg: alg }));
    const sealed = encodeOAuthToken(SERVER_NAME, key, { macKey: MAC_KEY, timestamp: TIMESTAMP, lifetime: LIFETIME }, NONCE);
    assert.equal(sealed.toString('base64'), token);
    const opened = decodeOAuthToken(SERVER_NAME, key, Buffer.from(token, 'base64'));
    assert.ok(opened.ok);
    assert.deepEqual(Buffer.from(opened.block.macKey), MAC_KEY);
    assert.equal(opened.block.timestamp, TIMESTAMP);
    assert.equal(opened.block.lifetime, LIFETIME);
  });

  test(`RFC 7635 Appendix B sample (${alg}), invalid twins: any altered byte, another server name, another key`, () => {
    const key = keyOf(row({ asRsAlg: alg }));
    const bytes = Buffer.from(token, 'base64');
    for (let i = 2; i < bytes.length; i++) {
      const twin = Buffer.from(bytes);
      twin[i] ^= 0x01;
      assert.deepEqual(decodeOAuthToken(SERVER_NAME, key, twin), { ok: false, error: 'token-integrity' }, `byte ${i}`);
    }
    assert.deepEqual(decodeOAuthToken('blackdow.carleon.gov.', key, bytes), { ok: false, error: 'token-integrity' });
    const other = keyOf(row({ asRsAlg: alg, ikmKey: Buffer.from('x'.repeat(32)).toString('base64') }));
    assert.deepEqual(decodeOAuthToken(SERVER_NAME, other, bytes), { ok: false, error: 'token-integrity' });
  });
}

test('malformed tokens are reasons, never exceptions', () => {
  const key = keyOf(row());
  assert.deepEqual(decodeOAuthToken(SERVER_NAME, key, new Uint8Array(0)), { ok: false, error: 'token-too-short' });
  assert.deepEqual(decodeOAuthToken(SERVER_NAME, key, Buffer.from([0x01, 0x01])), { ok: false, error: 'token-nonce-too-long' });
  assert.deepEqual(decodeOAuthToken(SERVER_NAME, key, Buffer.from(TOKEN_A256GCM, 'base64').subarray(0, 40)), { ok: false, error: 'token-too-short' });
  assert.deepEqual(decodeOAuthToken(SERVER_NAME, key, Buffer.alloc(60)), { ok: false, error: 'token-too-short' });
  assert.deepEqual(decodeOAuthToken(SERVER_NAME, key, Buffer.concat([Buffer.from([0, 12]), Buffer.alloc(60)])), { ok: false, error: 'token-integrity' });
});

test('oauth_key rows are read as coturn reads them', () => {
  assert.equal(keyOf(row({ asRsAlg: '' })).algorithm, 'A256GCM');
  assert.equal(keyOf(row({ asRsAlg: ' a128gcm ' })).algorithm, 'A128GCM');
  assert.equal(keyOf(row({ asRsAlg: 'A128GCM' })).asRsKey.length, 16);
  assert.deepEqual(oauthKeyFromRow(row({ asRsAlg: 'HS256' })), { ok: false, error: 'key-unknown-algorithm' });
  assert.deepEqual(oauthKeyFromRow(row({ ikmKey: Buffer.alloc(20).toString('base64') })), { ok: false, error: 'key-too-short' });
  assert.equal(oauthTimestampSeconds(oauthTimestamp(1_700_000_000)), 1_700_000_000);
  assert.equal(oauthTimestampSeconds(TIMESTAMP), 1410984813);
});

test('a token is current until its lifetime and five seconds of grace have passed; lifetime 0 never ends', () => {
  const block = { macKey: MAC_KEY, timestamp: oauthTimestamp(1000), lifetime: 60 };
  assert.equal(tokenIsCurrent(block, 1064), true);
  assert.equal(tokenIsCurrent(block, 1065), false);
  assert.equal(tokenIsCurrent({ ...block, lifetime: 0 }, 10 ** 9), true);
});

test('the authority opens a token under its kid, with the row and token lifetimes checked', async () => {
  const rows = new Map<string, DbOAuthKey>([
    [KID, row({ asRsAlg: 'A128GCM' })],
    ['old', row({ kid: 'old', timestamp: 1000, lifetime: 100 })],
    ['broken', row({ kid: 'broken', asRsAlg: 'ROT13' })],
  ]);
  const bad: string[] = [];
  const authority = createAccessTokenAuthority({ db: { oauthKey: async (kid) => rows.get(kid) }, badRow: (kid) => bad.push(kid) });
  const now = 1_700_000_000_000;
  const seal = (kid: string, over: { lifetime?: number; seconds?: number; macKey?: Buffer; serverName?: string } = {}): Buffer =>
    encodeOAuthToken(over.serverName ?? SERVER_NAME, keyOf(rows.get(kid)!), { macKey: over.macKey ?? MAC_KEY, timestamp: oauthTimestamp(over.seconds ?? now / 1000), lifetime: over.lifetime ?? 600 }, NONCE);
  const good = await authority.lookup(KID, seal(KID), SERVER_NAME, now);
  assert.deepEqual(good, { keys: [new Uint8Array(MAC_KEY), new Uint8Array(MAC_KEY.subarray(0, 16))], username: KID, oauth: true, expiresAtMs: now + 600_000 });
  assert.equal((await authority.lookup('nobody', seal(KID), 'r', now)).reason, 'oauth-unknown-kid');
  assert.equal((await authority.lookup(KID, seal(KID, { seconds: now / 1000 - 700 }), SERVER_NAME, now)).reason, 'oauth-token-expired');
  assert.equal((await authority.lookup(KID, seal(KID, { serverName: 'elsewhere' }), SERVER_NAME, now)).reason, 'oauth-bad-token');
  assert.equal((await authority.lookup(KID, seal(KID, { macKey: Buffer.alloc(17) }), SERVER_NAME, now)).reason, 'oauth-bad-token');
  assert.equal((await authority.lookup('old', seal('old'), SERVER_NAME, now)).reason, 'oauth-token-expired');
  assert.equal((await authority.lookup('broken', Buffer.alloc(64), 'r', now)).reason, 'oauth-unknown-kid');
  assert.deepEqual(bad, ['broken']);
  assert.equal((await authority.lookup(KID, seal(KID, { serverName: 'north.gov' }), 'north.gov', now)).oauth, true);
});

test('a kid seen before is answered at once; its row is read again in the background once a minute old', async () => {
  const rows = new Map<string, DbOAuthKey>([[KID, row()]]);
  let reads = 0;
  const authority = createAccessTokenAuthority({ db: { oauthKey: async (kid) => (reads++, rows.get(kid)) } });
  const now = 1_700_000_000_000;
  const sealed = encodeOAuthToken(SERVER_NAME, keyOf(row()), { macKey: MAC_KEY, timestamp: oauthTimestamp(now / 1000), lifetime: 0 }, NONCE);
  const first = authority.lookup(KID, sealed, SERVER_NAME, now);
  assert.ok(first instanceof Promise, 'the first look-up reads the database');
  assert.equal((await first).oauth, true);
  const second = authority.lookup(KID, sealed, SERVER_NAME, now + 1000);
  assert.ok(!(second instanceof Promise) && second.oauth === true, 'the second is answered at once');
  assert.equal(reads, 1);
  rows.delete(KID);
  const stale = authority.lookup(KID, sealed, SERVER_NAME, now + ROW_FRESH_MS);
  assert.ok(!(stale instanceof Promise) && stale.oauth === true, 'the kept row answers while it is read again');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(reads, 2);
  assert.equal((await authority.lookup(KID, sealed, SERVER_NAME, now + ROW_FRESH_MS + 1)).reason, 'oauth-unknown-kid', 'the deletion is seen');
});
