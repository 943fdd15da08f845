/**
 * Third-party authorization (RFC 7635) against coturn's own tools: tokens sealed by
 * `turnutils_oauth -e` open in Turnpike, tokens sealed by Turnpike pass `turnutils_oauth -d`,
 * and `turnutils_uclient -J` (its three built-in keys, a random one per allocation and per
 * Refresh) relays through `turnpike turnserver --oauth` whose SQLite user database holds the
 * same keys as `oauth_key` rows.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { coturnMissing, runCoturn, type Launched } from '../../harness/servers.ts';
import { writeOAuthDb, type OAuthDb } from '../helpers/oauth-db.ts';
import { decodeOAuthToken, encodeOAuthToken, oauthKeyFromRow, oauthTimestamp, type OAuthKey } from '../../src/auth/oauth-token.ts';
import { startTurnpike, startTurnutilsPeer, turnutilsMissing } from './processes.ts';
import { assertRelayed } from './uclient-output.ts';

const oauthMissing = coturnMissing('oauth');

/** The keys built into turnutils_uclient for `-J` (its kids, base64 keys and algorithms). */
const UCLIENT_KEYS = [
  { kid: 'north', ikmKey: 'MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEK', asRsAlg: 'A256GCM' },
  { kid: 'union', ikmKey: 'MTIzNDU2Nzg5MDEyMzQ1Ngo=', asRsAlg: 'A128GCM' },
  { kid: 'oldempire', ikmKey: 'MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIK', asRsAlg: 'A256GCM' },
];
const SERVER_NAME = 'blackdow.carleon.gov';

function keyOf(kid: string, ikmKey: string, asRsAlg: string): OAuthKey {
  const k = oauthKeyFromRow({ kid, ikmKey, asRsAlg, timestamp: 0, lifetime: 0, realm: '' });
  assert.ok(k.ok);
  return k.key;
}

/** `turnutils_oauth` options naming a key. */
function keyArgs(kid: string, ikmKey: string, alg: string): string[] {
  return ['-i', SERVER_NAME, '-j', kid, '-k', ikmKey, '-l', String(Math.floor(Date.now() / 1000)), '-m', '3600', '-n', alg];
}

describe('turnutils_oauth and Turnpike seal and open each other\'s tokens', { skip: oauthMissing }, () => {
  for (const { kid, ikmKey, asRsAlg } of UCLIENT_KEYS.slice(0, 2)) {
    test(`${asRsAlg}: turnutils_oauth -e, opened by Turnpike`, async () => {
      // turnutils_oauth measures the MAC key it is given as a C string: no zero bytes.
      const mac = Buffer.from(randomBytes(20).map((b) => b | 1));
      const nonce = randomBytes(12);
      const seconds = Math.floor(Date.now() / 1000);
      const r = await runCoturn('oauth', ['-e', ...keyArgs(kid, ikmKey, asRsAlg), '-o', nonce.toString('base64'), '-p', mac.toString('base64'), '-q', String(oauthTimestamp(seconds)), '-r', '600']);
      const token = /"access_token":"([^"]+)"/.exec(r.stdout)?.[1];
      assert.ok(token, r.stdout + r.stderr);
      const opened = decodeOAuthToken(SERVER_NAME, keyOf(kid, ikmKey, asRsAlg), Buffer.from(token, 'base64'));
      assert.ok(opened.ok);
      assert.deepEqual(Buffer.from(opened.block.macKey), mac);
      assert.equal(opened.block.timestamp, oauthTimestamp(seconds));
      assert.equal(opened.block.lifetime, 600);
    });

    test(`${asRsAlg}: sealed by Turnpike, valid to turnutils_oauth -d; a twin with one byte altered is not`, async () => {
      const sealed = encodeOAuthToken(SERVER_NAME, keyOf(kid, ikmKey, asRsAlg), { macKey: randomBytes(20), timestamp: oauthTimestamp(Date.now() / 1000), lifetime: 600 }, randomBytes(12));
      const good = await runCoturn('oauth', ['-d', ...keyArgs(kid, ikmKey, asRsAlg), '-t', sealed.toString('base64')]);
      assert.match(good.stdout, /Valid token/, good.stdout + good.stderr);
      const twin = Buffer.from(sealed);
      twin[20] ^= 1;
      const bad = await runCoturn('oauth', ['-d', ...keyArgs(kid, ikmKey, asRsAlg), '-t', twin.toString('base64')]);
      assert.doesNotMatch(bad.stdout, /Valid token/);
    });
  }
});

describe('turnutils_uclient -J against turnpike turnserver --oauth', { skip: turnutilsMissing }, () => {
  let db: OAuthDb;
  let server: Launched;
  let peer: Launched;
  before(async () => {
    db = writeOAuthDb(UCLIENT_KEYS);
    server = await startTurnpike({ relayPorts: 40, extraArgs: [`--userdb=${db.file}`, '--oauth', `--server-name=${SERVER_NAME}`] });
    peer = await startTurnutilsPeer(['127.0.0.1']);
  });
  after(async () => {
    await peer?.stop();
    await server?.stop();
    db?.remove();
  });

  test('4 clients × 50 messages with access tokens, all echoed; the tokens\' kids own the allocations', async () => {
    const r = await runCoturn('uclient', ['-J', '-e', '127.0.0.1', '-r', String(peer.port), '-m', '4', '-n', '50', '-l', '120', '-p', String(server.port), '127.0.0.1']);
    assertRelayed(r, 200, server.output);
    // uclient exits without waiting for its last Refresh's answer: the server may log it just after.
    const deleted = /allocation-deleted id=\d+ user=(north|union|oldempire)/;
    for (const end = Date.now() + 10_000; !deleted.test(server.output()) && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
    assert.match(server.output(), deleted);
    assert.doesNotMatch(server.output(), /auth-failed/);
  });
});
