/**
 * RFC 8489 §9.2 long-term credentials end to end, on real sockets: Turnpike's own client with
 * SHA-256 keys and USERHASH against a running server (Allocate, CreatePermission, ChannelBind,
 * Refresh, each answer signed with MESSAGE-INTEGRITY-SHA256), the 401 it offers (nonce cookie
 * with both feature bits, PASSWORD-ALGORITHMS), an RFC 5389 client unchanged beside it, REST
 * credentials with SHA-256, and a bid-down attempt refused with 400.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { connectUdp } from '../../src/client/server-connection.ts';
import { TurnClient } from '../../src/client/turn-client.ts';
import { restCredentials, type LongTermCredentials } from '../../src/client/turn-requests.ts';
import { longTermKey } from '../../src/auth/long-term-key.ts';
import { nonceOffersPasswordAlgorithms, nonceOffersUsernameAnonymity, NONCE_COOKIE } from '../../src/auth/nonce.ts';
import { OFFERED_PASSWORD_ALGORITHMS, PasswordAlgorithm } from '../../src/auth/password-algorithms.ts';
import { decodeMessage, encodeMessage, getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method, type DecodedStunMessage, type StunAttribute } from '../../src/stun/types.ts';
import { EchoPeer, HOST, peerAt, REALM, startServer, type TestServer } from './wire.ts';

/** One request on its own socket, and its answer (retransmitted as UDP wants; a deadline, not a timing). */
async function exchange(port: number, bytes: Uint8Array): Promise<DecodedStunMessage> {
  const socket = dgram.createSocket('udp4');
  try {
    return await new Promise<DecodedStunMessage>((resolve, reject) => {
      const timer = setInterval(() => socket.send(bytes, port, HOST), 200);
      const deadline = setTimeout(() => reject(new Error('no answer')), 3000);
      socket.on('message', (msg) => {
        const d = decodeMessage(msg);
        if (!d.ok) return;
        clearInterval(timer);
        clearTimeout(deadline);
        resolve(d.value);
      });
      socket.bind(0, HOST, () => socket.send(bytes, port, HOST));
    });
  } finally {
    socket.close();
  }
}

const ALLOCATE: StunAttribute[] = [{ type: Attr.RequestedTransport, value: 17 }];

function allocateRequest(attrs: StunAttribute[], key?: Uint8Array): Uint8Array {
  return encodeMessage({ method: Method.Allocate, class: MessageClass.Request, transactionId: randomBytes(12), attributes: [...ALLOCATE, ...attrs] }, { integrityKey: key });
}

describe('RFC 8489 SHA-256 and USERHASH against a running server (with Turnpike\'s client: coturn\'s have no PASSWORD-ALGORITHMS or USERHASH)', () => {
  let srv: TestServer;
  let rest: TestServer;
  let peer: EchoPeer;
  before(async () => {
    srv = await startServer(['--allow-loopback-peers']);
    rest = await startServer(['--use-auth-secret', '--static-auth-secret', 'north wind']);
    peer = await new EchoPeer().start();
  });
  after(async () => {
    await peer?.close();
    await srv?.server.close();
    await rest?.server.close();
  });

  const client = async (server: TestServer, credentials: LongTermCredentials): Promise<TurnClient> =>
    new TurnClient(await connectUdp({ ip: HOST, port: server.port, family: 4 }), credentials, { rto: 200, tries: 5 });

  test('the 401 offers PASSWORD-ALGORITHMS (MD5, SHA-256) under a nonce with both feature bits', async () => {
    const answer = await exchange(srv.port, allocateRequest([]));
    assert.equal(getAttribute(answer, Attr.ErrorCode)?.code, 401);
    const nonce = getAttribute(answer, Attr.Nonce)!;
    assert.ok(nonce.startsWith(NONCE_COOKIE));
    assert.equal(nonceOffersPasswordAlgorithms(nonce), true);
    assert.equal(nonceOffersUsernameAnonymity(nonce), true);
    assert.deepEqual(getAttribute(answer, Attr.PasswordAlgorithms)?.map((a) => a.algorithm), [PasswordAlgorithm.MD5, PasswordAlgorithm.SHA256]);
    assert.equal(getAttribute(answer, Attr.ThirdPartyAuthorization), undefined, 'no oauth, no THIRD-PARTY-AUTHORIZATION');
  });

  test('SHA-256 and USERHASH: Allocate, CreatePermission, ChannelBind, Refresh, every answer signed with MESSAGE-INTEGRITY-SHA256', async () => {
    const c = await client(srv, { username: 'alice', password: 'secret', passwordAlgorithm: 'sha256', userhash: true });
    try {
      const alloc = await c.exchange(Method.Allocate, ALLOCATE);
      assert.ok(alloc.ok, alloc.ok ? '' : alloc.reason);
      assert.ok(alloc.value.integritySha256Offset >= 0 && alloc.value.integrityOffset < 0, 'MESSAGE-INTEGRITY-SHA256 only');
      const [made] = srv.server.core.allocations();
      assert.equal(made.username, 'alice', 'the USERHASH named alice');
      assert.deepEqual(await c.createPermission([peerAt(peer.port)]), { ok: true, value: undefined });
      assert.deepEqual(await c.channelBind(0x4001, peerAt(peer.port)), { ok: true, value: undefined });
      const refreshed = await c.exchange(Method.Refresh, [{ type: Attr.Lifetime, value: 0 }]);
      assert.ok(refreshed.ok && refreshed.value.integritySha256Offset >= 0);
    } finally {
      await c.conn.close();
    }
  });

  test('an RFC 5389 client and an RFC 8489 client choosing MD5 both allocate, with MESSAGE-INTEGRITY answers', async () => {
    for (const credentials of [{ username: 'alice', password: 'secret' }, { username: 'alice', password: 'secret', passwordAlgorithm: 'md5' as const }]) {
      const c = await client(srv, credentials);
      try {
        const r = await c.exchange(Method.Allocate, ALLOCATE);
        assert.ok(r.ok && r.value.integrityOffset >= 0 && r.value.integritySha256Offset < 0);
        assert.equal((await c.refresh(0)).ok, true);
      } finally {
        await c.conn.close();
      }
    }
  });

  test('REST API credentials with SHA-256 and MESSAGE-INTEGRITY-SHA256', async () => {
    const credentials = restCredentials('north wind', 'bob', ':', Date.now());
    const c = await client(rest, { ...credentials, passwordAlgorithm: 'sha256' });
    try {
      const r = await c.exchange(Method.Allocate, ALLOCATE);
      assert.ok(r.ok && r.value.integritySha256Offset >= 0, r.ok ? '' : r.reason);
      assert.equal((await c.refresh(0)).ok, true);
    } finally {
      await c.conn.close();
    }
  });

  test('a wrong password under SHA-256 is 401; an unknown USERHASH is 401', async () => {
    for (const credentials of [{ username: 'alice', password: 'wrong', passwordAlgorithm: 'sha256' as const }, { username: 'nobody', password: 'secret', passwordAlgorithm: 'sha256' as const, userhash: true }]) {
      const c = await client(srv, credentials);
      try {
        const r = await c.exchange(Method.Allocate, ALLOCATE);
        assert.ok(!r.ok && r.code === 401, credentials.username);
      } finally {
        await c.conn.close();
      }
    }
  });

  test('bid-down: PASSWORD-ALGORITHMS stripped of SHA-256 on the way is refused with 400', async () => {
    const challenge = await exchange(srv.port, allocateRequest([]));
    const nonce = getAttribute(challenge, Attr.Nonce)!;
    const md5 = OFFERED_PASSWORD_ALGORITHMS[0];
    const signed = allocateRequest([
      { type: Attr.Username, value: 'alice' },
      { type: Attr.Realm, value: REALM },
      { type: Attr.Nonce, value: nonce },
      { type: Attr.PasswordAlgorithm, value: md5 },
      { type: Attr.PasswordAlgorithms, value: [md5] },
    ], longTermKey('alice', REALM, 'secret'));
    const answer = await exchange(srv.port, signed);
    assert.equal(answer.class, MessageClass.ErrorResponse);
    assert.equal(getAttribute(answer, Attr.ErrorCode)?.code, 400);
  });
});
