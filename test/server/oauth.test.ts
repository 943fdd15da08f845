/**
 * RFC 7635 third-party authorization on a running server with an SQLite user database: the
 * challenge names the server (THIRD-PARTY-AUTHORIZATION), an Allocate with ACCESS-TOKEN and a
 * kid in USERNAME is authenticated with the token's MAC key, which signs the answer and the
 * allocation's later requests; a Refresh bringing a new token (under another kid) switches the
 * key; tokens that are expired, altered, sealed for another server name or under an unknown
 * kid get 401; a 32-byte MAC key works with MESSAGE-INTEGRITY-SHA256.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { writeOAuthDb, type OAuthDb } from '../helpers/oauth-db.ts';
import { encodeOAuthToken, oauthKeyFromRow, oauthTimestamp, type OAuthKey } from '../../src/auth/oauth-token.ts';
import { decodeMessage, encodeMessage, getAttribute, verifyMessageIntegrity, verifyMessageIntegritySha256 } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method, type DecodedStunMessage, type StunAttribute } from '../../src/stun/types.ts';
import { EchoPeer, HOST, peerAt, REALM, startServer, type TestServer } from './wire.ts';

const SERVER_NAME = 'turn.example.org';
const ROWS = [
  { kid: 'north', ikm: Buffer.alloc(32, 0x11), alg: 'A256GCM', realm: '' },
  { kid: 'union', ikm: Buffer.alloc(16, 0x22), alg: 'A128GCM', realm: '' },
  // coturn's oauth_key.realm: the allocations of this kid's tokens belong to that realm.
  { kid: 'west', ikm: Buffer.alloc(32, 0x33), alg: 'A256GCM', realm: 'west.example' },
  { kid: 'east', ikm: Buffer.alloc(32, 0x44), alg: 'A256GCM', realm: 'east.example' },
  // read from the database only by the test of requests sent without waiting
  { kid: 'south', ikm: Buffer.alloc(32, 0x55), alg: 'A256GCM', realm: '' },
];

function keyOf(kid: string): OAuthKey {
  const r = ROWS.find((x) => x.kid === kid)!;
  const k = oauthKeyFromRow({ kid, ikmKey: r.ikm.toString('base64'), asRsAlg: r.alg, timestamp: 0, lifetime: 0, realm: '' });
  assert.ok(k.ok);
  return k.key;
}

function token(kid: string, macKey: Uint8Array, over: { seconds?: number; lifetime?: number; serverName?: string } = {}): Buffer {
  const block = { macKey, timestamp: oauthTimestamp(over.seconds ?? Date.now() / 1000), lifetime: over.lifetime ?? 600 };
  return encodeOAuthToken(over.serverName ?? SERVER_NAME, keyOf(kid), block, randomBytes(12));
}

/** A client on one UDP socket (one 5-tuple), sending requests and waiting for their answers. */
class Client {
  readonly socket = dgram.createSocket('udp4');
  readonly #answers = new Map<string, DecodedStunMessage>();
  readonly #waiting = new Map<string, (m: DecodedStunMessage) => void>();
  nonce = '';
  readonly port: number;
  constructor(port: number) {
    this.port = port;
  }
  async open(): Promise<this> {
    await new Promise<void>((resolve) => this.socket.bind(0, HOST, () => resolve()));
    this.socket.on('message', (msg) => {
      const d = decodeMessage(msg);
      if (!d.ok) return;
      const tid = Buffer.from(d.value.transactionId).toString('hex');
      const nonce = getAttribute(d.value, Attr.Nonce);
      if (nonce !== undefined) this.nonce = nonce;
      this.#waiting.get(tid)?.(d.value);
    });
    return this;
  }
  /** `kid` and `key` sign the request; `tokenBytes` adds ACCESS-TOKEN. */
  request(method: number, attrs: StunAttribute[], sign?: { kid: string; key: Uint8Array; token?: Uint8Array; sha256?: boolean }): Promise<DecodedStunMessage> {
    const tid = randomBytes(12);
    const all = [...attrs];
    if (sign !== undefined) {
      if (sign.token !== undefined) all.push({ type: Attr.AccessToken, value: sign.token });
      all.push({ type: Attr.Username, value: sign.kid }, { type: Attr.Realm, value: REALM }, { type: Attr.Nonce, value: this.nonce });
    }
    const integrity = sign === undefined ? {} : sign.sha256 ? { integritySha256Key: sign.key } : { integrityKey: sign.key };
    const bytes = encodeMessage({ method, class: MessageClass.Request, transactionId: tid, attributes: all }, integrity);
    return new Promise((resolve, reject) => {
      const resend = setInterval(() => this.socket.send(bytes, this.port, HOST), 200);
      const deadline = setTimeout(() => reject(new Error('no answer')), 3000);
      this.#waiting.set(tid.toString('hex'), (m) => {
        clearInterval(resend);
        clearTimeout(deadline);
        resolve(m);
      });
      this.socket.send(bytes, this.port, HOST);
    });
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

const ALLOCATE: StunAttribute[] = [{ type: Attr.RequestedTransport, value: 17 }];
const codeOf = (m: DecodedStunMessage): number => (m.class === MessageClass.SuccessResponse ? 200 : (getAttribute(m, Attr.ErrorCode)?.code ?? 0));

describe('third-party authorization (RFC 7635) on a running server', () => {
  let db: OAuthDb;
  let srv: TestServer;
  let peer: EchoPeer;
  before(async () => {
    db = writeOAuthDb(
      ROWS.map((r) => ({ kid: r.kid, ikmKey: r.ikm.toString('base64'), asRsAlg: r.alg, realm: r.realm })),
      [{ realm: 'west.example', opt: 'user-quota', value: 1 }],
    );
    srv = await startServer(['--userdb', db.file, '--oauth', '--server-name', SERVER_NAME, '--allow-loopback-peers']);
    peer = await new EchoPeer().start();
  });
  after(async () => {
    await peer?.close();
    await srv?.server.close();
    db?.remove();
  });

  test('the 401 names the server in THIRD-PARTY-AUTHORIZATION', async () => {
    const c = await new Client(srv.port).open();
    try {
      const challenge = await c.request(Method.Allocate, ALLOCATE);
      assert.equal(codeOf(challenge), 401);
      assert.equal(getAttribute(challenge, Attr.ThirdPartyAuthorization), SERVER_NAME);
    } finally {
      await c.close();
    }
  });

  test('a token allocates; its MAC key signs the answers and later requests; a new token on Refresh switches the key', async () => {
    const c = await new Client(srv.port).open();
    try {
      await c.request(Method.Allocate, ALLOCATE);
      const mac1 = randomBytes(20);
      const allocated = await c.request(Method.Allocate, ALLOCATE, { kid: 'north', key: mac1, token: token('north', mac1) });
      assert.equal(codeOf(allocated), 200);
      assert.equal(verifyMessageIntegrity(allocated, mac1), true, 'the answer is signed with the MAC key');
      const permitted = await c.request(Method.CreatePermission, [{ type: Attr.XorPeerAddress, value: peerAt(peer.port) }], { kid: 'north', key: mac1 });
      assert.equal(codeOf(permitted), 200);
      const mac2 = randomBytes(20);
      const refreshed = await c.request(Method.Refresh, [{ type: Attr.Lifetime, value: 600 }], { kid: 'union', key: mac2, token: token('union', mac2) });
      assert.equal(codeOf(refreshed), 200);
      assert.equal(codeOf(await c.request(Method.CreatePermission, [{ type: Attr.XorPeerAddress, value: peerAt(peer.port) }], { kid: 'union', key: mac2 })), 200);
      assert.equal(codeOf(await c.request(Method.CreatePermission, [{ type: Attr.XorPeerAddress, value: peerAt(peer.port) }], { kid: 'north', key: mac1 })), 401, 'the old key is gone');
      assert.equal(codeOf(await c.request(Method.Refresh, [{ type: Attr.Lifetime, value: 0 }], { kid: 'union', key: mac2 })), 200);
    } finally {
      await c.close();
    }
  });

  test("requests sent right behind a Refresh with a new token are checked after it, with its key (as turnutils_uclient -J sends them)", async () => {
    const c = await new Client(srv.port).open();
    try {
      await c.request(Method.Allocate, ALLOCATE);
      const mac1 = randomBytes(20);
      assert.equal(codeOf(await c.request(Method.Allocate, ALLOCATE, { kid: 'north', key: mac1, token: token('north', mac1) })), 200);
      // A kid the server has not read yet: its key comes from the database, asynchronously.
      const mac2 = randomBytes(20);
      const permit = [{ type: Attr.XorPeerAddress, value: peerAt(peer.port) }];
      const [refreshed, permitted, again] = await Promise.all([
        c.request(Method.Refresh, [{ type: Attr.Lifetime, value: 600 }], { kid: 'south', key: mac2, token: token('south', mac2) }),
        c.request(Method.CreatePermission, permit, { kid: 'south', key: mac2 }),
        c.request(Method.CreatePermission, permit, { kid: 'south', key: mac2 }),
      ]);
      assert.equal(codeOf(refreshed), 200);
      assert.equal(codeOf(permitted), 200, 'checked after the Refresh, with its new key');
      assert.equal(codeOf(again), 200);
      assert.equal(codeOf(await c.request(Method.Refresh, [{ type: Attr.Lifetime, value: 0 }], { kid: 'south', key: mac2 })), 200);
    } finally {
      await c.close();
    }
  });

  test('a 32-byte MAC key with MESSAGE-INTEGRITY-SHA256', async () => {
    const c = await new Client(srv.port).open();
    try {
      await c.request(Method.Allocate, ALLOCATE);
      const mac = randomBytes(32);
      const allocated = await c.request(Method.Allocate, ALLOCATE, { kid: 'union', key: mac, token: token('union', mac), sha256: true });
      assert.equal(codeOf(allocated), 200);
      assert.equal(verifyMessageIntegritySha256(allocated, mac), true);
      assert.equal(codeOf(await c.request(Method.Refresh, [{ type: Attr.Lifetime, value: 0 }], { kid: 'union', key: mac, sha256: true })), 200);
    } finally {
      await c.close();
    }
  });

  test("a key row naming a realm puts the allocation in that realm, under that realm's user-quota; the client keeps its own REALM", async () => {
    const [c, other] = await Promise.all([new Client(srv.port).open(), new Client(srv.port).open()]);
    try {
      await Promise.all([c.request(Method.Allocate, ALLOCATE), other.request(Method.Allocate, ALLOCATE)]);
      const mac = randomBytes(20);
      assert.equal(codeOf(await c.request(Method.Allocate, ALLOCATE, { kid: 'west', key: mac, token: token('west', mac) })), 200);
      const alloc = srv.server.core.allocations().find((a) => a.username === 'west');
      assert.equal(alloc?.realm, 'west.example');
      // Signed with the same key and the REALM the 401 named, as every client does.
      assert.equal(codeOf(await c.request(Method.CreatePermission, [{ type: Attr.XorPeerAddress, value: peerAt(peer.port) }], { kid: 'west', key: mac })), 200);
      // west.example allows one allocation per user (turn_realm_option), the server's own realm any number.
      const mac2 = randomBytes(20);
      assert.equal(codeOf(await other.request(Method.Allocate, ALLOCATE, { kid: 'west', key: mac2, token: token('west', mac2) })), 486);
      // A new token whose row names no realm leaves the allocation where it is; one naming another realm is refused.
      const mac3 = randomBytes(20);
      assert.equal(codeOf(await c.request(Method.Refresh, [{ type: Attr.Lifetime, value: 600 }], { kid: 'north', key: mac3, token: token('north', mac3) })), 200);
      assert.equal(alloc?.realm, 'west.example');
      const mac4 = randomBytes(20);
      assert.equal(codeOf(await c.request(Method.Refresh, [{ type: Attr.Lifetime, value: 600 }], { kid: 'east', key: mac4, token: token('east', mac4) })), 441);
      assert.equal(codeOf(await c.request(Method.Refresh, [{ type: Attr.Lifetime, value: 0 }], { kid: 'north', key: mac3 })), 200);
    } finally {
      await Promise.all([c.close(), other.close()]);
    }
  });

  test("an allocation lives no longer than its token: LIFETIME is capped at the token's end, a new token on Refresh extends it", async () => {
    const c = await new Client(srv.port).open();
    try {
      await c.request(Method.Allocate, ALLOCATE);
      const mac1 = randomBytes(20);
      // issued 200 s ago for 300 s: about 100 s left, well under the 600 s default
      const short = token('north', mac1, { seconds: Date.now() / 1000 - 200, lifetime: 300 });
      const allocated = await c.request(Method.Allocate, ALLOCATE, { kid: 'north', key: mac1, token: short });
      assert.equal(codeOf(allocated), 200);
      const granted = getAttribute(allocated, Attr.Lifetime) ?? 0;
      assert.ok(granted > 0 && granted <= 100, `granted ${granted} s, not past the token`);
      const refreshed = await c.request(Method.Refresh, [{ type: Attr.Lifetime, value: 3600 }], { kid: 'north', key: mac1 });
      assert.ok((getAttribute(refreshed, Attr.Lifetime) ?? 0) <= 100, 'the old key cannot extend it');
      const mac2 = randomBytes(20);
      const renewed = await c.request(Method.Refresh, [{ type: Attr.Lifetime, value: 3600 }], { kid: 'north', key: mac2, token: token('north', mac2, { lifetime: 3600 }) });
      assert.equal(codeOf(renewed), 200);
      assert.ok((getAttribute(renewed, Attr.Lifetime) ?? 0) > 100, 'a new token extends it');
      await c.request(Method.Refresh, [{ type: Attr.Lifetime, value: 0 }], { kid: 'north', key: mac2 });
    } finally {
      await c.close();
    }
  });

  test('expired, altered, other server name, unknown kid, wrong MAC: 401', async () => {
    const c = await new Client(srv.port).open();
    try {
      await c.request(Method.Allocate, ALLOCATE);
      const mac = randomBytes(20);
      const altered = token('north', mac);
      altered[30] ^= 1;
      const cases: [string, { kid: string; key: Uint8Array; token: Uint8Array }][] = [
        ['expired', { kid: 'north', key: mac, token: token('north', mac, { seconds: Date.now() / 1000 - 700, lifetime: 600 }) }],
        ['altered', { kid: 'north', key: mac, token: altered }],
        ['other server name', { kid: 'north', key: mac, token: token('north', mac, { serverName: REALM }) }],
        ['unknown kid', { kid: 'south', key: mac, token: token('north', mac) }],
        ['wrong MAC key', { kid: 'north', key: randomBytes(20), token: token('north', mac) }],
      ];
      for (const [why, sign] of cases) assert.equal(codeOf(await c.request(Method.Allocate, ALLOCATE, sign)), 401, why);
      assert.equal(srv.server.core.allocations().length, 0);
    } finally {
      await c.close();
    }
  });
});
