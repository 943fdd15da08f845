/**
 * RFC 6062 TCP relaying on real sockets (127.0.0.1 and ::1): what a TCP allocation may not
 * reach — the unspecified and loopback addresses in every spelling, and the server's own user
 * database (address and port) unless `allowed-peer-ip` names it — and what works: Connect to a
 * TCP echo peer and raw bytes both ways over a ConnectionBind-joined connection, a peer's own
 * connection announced by ConnectionAttempt only when it holds a permission.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createStaticCredentialStore } from '../../src/auth/credential-store.ts';
import type { PermissionHandler } from '../../src/auth/hook-credential-store.ts';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startTurnServer, type RunningTurnServer } from '../../src/server/turn-server.ts';
import { randomBytes } from 'node:crypto';
import { longTermKey } from '../../src/auth/long-term-key.ts';
import { decodeMessage, encodeMessage, getAttribute, streamFrameLength } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method, type DecodedStunMessage, type TransportAddress } from '../../src/stun/types.ts';
import { freeRange, freeUdpTcpPort } from '../../harness/ports.ts';
import { HOST, REALM, TcpClient, UdpClient, eventually } from './wire.ts';

/** A TCP peer on 127.0.0.1 that echoes what it gets; remembers its connections. */
async function tcpEchoPeer(): Promise<{ port: number; sockets: net.Socket[]; close(): Promise<void> }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

async function start(extra: string[], permitPeer?: PermissionHandler): Promise<{ server: RunningTurnServer; port: number }> {
  const port = await freeUdpTcpPort();
  const range = await freeRange(8);
  const { config } = loadTurnserverConfig([
    '-n', '--listening-ip', HOST, '--listening-port', String(port), '--relay-ip', HOST, '--relay-ip', '::1',
    '--min-port', String(range.min), '--max-port', String(range.max), '--realm', REALM, '--lt-cred-mech', ...extra,
  ]);
  const store = createStaticCredentialStore({ users: [{ name: 'alice', password: 'secret' }], realm: REALM, useAuthSecret: false, staticAuthSecrets: [], restApiSeparator: ':' });
  return { server: await startTurnServer(config, { logger: silentLogger, store, permitPeer }), port };
}

const TCP_DUAL = [
  { type: Attr.RequestedTransport, value: 6 },
  { type: Attr.AdditionalAddressFamily, value: 'IPv6' as const },
];

function code(msg: DecodedStunMessage): number {
  return msg.class === MessageClass.SuccessResponse ? 0 : (getAttribute(msg, Attr.ErrorCode)?.code ?? -1);
}

function at(address: string, port: number): TransportAddress {
  return { family: address.includes(':') ? 'IPv6' : 'IPv4', address, port };
}

async function controlConnection(port: number): Promise<TcpClient> {
  const c = await new TcpClient().connect(port);
  const answer = await c.allocate(TCP_DUAL);
  assert.equal(code(answer), 0);
  return c;
}

async function connect(c: TcpClient, to: TransportAddress): Promise<DecodedStunMessage> {
  return c.request(Method.Connect, [{ type: Attr.XorPeerAddress, value: to }]);
}

/** A new connection that binds CONNECTION-ID `id`; on success, its socket carries raw bytes from here on. */
async function bind(port: number, control: TcpClient, id: number): Promise<{ answer: DecodedStunMessage; socket: net.Socket; raw: Buffer[] }> {
  const data = await new TcpClient().connect(port);
  data.nonce = control.nonce;
  data.realm = control.realm;
  const answer = await data.request(Method.ConnectionBind, [{ type: Attr.ConnectionId, value: id }]);
  const socket = data.socket!;
  socket.removeAllListeners('data');
  const raw: Buffer[] = [];
  socket.on('data', (b: Buffer) => raw.push(b));
  return { answer, socket, raw };
}

/** The ConnectionAttempt indications a control connection received. */
function attempts(c: TcpClient): DecodedStunMessage[] {
  return c.other
    .filter((b) => streamFrameLength(b) > 0)
    .map((b) => decodeMessage(b))
    .filter((d) => d.ok && d.value.method === Method.ConnectionAttempt)
    .map((d) => (d as { ok: true; value: DecodedStunMessage }).value);
}

describe('TCP relay: the peer policy (no allow-loopback-peers)', () => {
  let s: { server: RunningTurnServer; port: number };
  before(async () => {
    s = await start([]);
  });
  after(async () => s.server.close());

  it('Connect to 0.0.0.0, [::], [::ffff:127.0.0.1], 127.0.0.1 and [::1] → 403', async () => {
    const c = await controlConnection(s.port);
    for (const address of ['0.0.0.0', '::', '::ffff:127.0.0.1', '127.0.0.1', '::1']) {
      assert.equal(code(await connect(c, at(address, 80))), 403, address);
    }
    assert.equal(s.server.core.tcpConnectionCount, 0);
    await c.close();
  });

  it('a TCP allocation over UDP is a bad request (400)', async () => {
    const u = await new UdpClient().connect(s.port);
    assert.equal(code(await u.allocate([{ type: Attr.RequestedTransport, value: 6 }])), 400);
    await u.close();
  });
});

describe('TCP relay: the user database is no peer (allow-loopback-peers, redis-userdb)', () => {
  let s: { server: RunningTurnServer; port: number };
  let redis: Awaited<ReturnType<typeof tcpEchoPeer>>;
  let echo: Awaited<ReturnType<typeof tcpEchoPeer>>;
  before(async () => {
    // Stands where the user database is: connecting to it would succeed, were it allowed.
    redis = await tcpEchoPeer();
    echo = await tcpEchoPeer();
    s = await start(['--allow-loopback-peers', '--redis-userdb', `ip=${HOST} port=${redis.port}`]);
  });
  after(async () => {
    await s.server.close();
    await redis.close();
    await echo.close();
  });

  it('Connect to its address and port, in any spelling → 403; nothing reaches it', async () => {
    const c = await controlConnection(s.port);
    assert.equal(code(await connect(c, at(HOST, redis.port))), 403);
    assert.equal(code(await connect(c, at('::ffff:127.0.0.1', redis.port))), 403);
    assert.equal(redis.sockets.length, 0);
    assert.equal(s.server.core.counters.drops.get('peer-is-backend'), 2);
    await c.close();
  });

  it('another port of the same host is a peer: Connect, ConnectionBind, raw bytes both ways', async () => {
    const c = await controlConnection(s.port);
    const answer = await connect(c, at(HOST, echo.port));
    assert.equal(code(answer), 0);
    const id = getAttribute(answer, Attr.ConnectionId)!;
    assert.equal(code(await connect(c, at(HOST, echo.port))), 446);
    const { answer: bound, socket, raw } = await bind(s.port, c, id);
    assert.equal(code(bound), 0);
    socket.write('raw bytes, not STUN');
    const echoed = await eventually('the echo', () => (Buffer.concat(raw).length >= 19 ? Buffer.concat(raw).toString() : undefined));
    assert.equal(echoed, 'raw bytes, not STUN');
    assert.equal(s.server.core.counters.tcpConnectionsBound, 1);
    socket.destroy();
    await eventually('the peer connection closed', () => (s.server.core.tcpConnectionCount === 0 ? true : undefined));
    await c.close();
  });

  it('bytes sent right behind the ConnectionBind request reach the peer, after the answer', async () => {
    const c = await controlConnection(s.port);
    const answer = await connect(c, at(HOST, echo.port));
    const id = getAttribute(answer, Attr.ConnectionId)!;
    const request = encodeMessage(
      {
        method: Method.ConnectionBind,
        class: MessageClass.Request,
        transactionId: randomBytes(12),
        attributes: [
          { type: Attr.ConnectionId, value: id },
          { type: Attr.Username, value: 'alice' },
          { type: Attr.Realm, value: c.realm },
          { type: Attr.Nonce, value: c.nonce! },
        ],
      },
      { integrityKey: longTermKey('alice', c.realm, 'secret') },
    );
    const socket = net.connect(s.port, HOST);
    const got: Buffer[] = [];
    socket.on('data', (b: Buffer) => got.push(b));
    // One write: the request and the first raw bytes arrive together.
    socket.write(Buffer.concat([request, Buffer.from('pipelined')]));
    const all = await eventually('answer and echo', () => {
      const b = Buffer.concat(got);
      const len = streamFrameLength(b);
      return len > 0 && b.length >= len + 9 ? b : undefined;
    });
    const len = streamFrameLength(all);
    const decoded = decodeMessage(all.subarray(0, len));
    assert.ok(decoded.ok);
    assert.equal(code(decoded.value), 0);
    assert.equal(all.subarray(len).toString(), 'pipelined');
    socket.destroy();
    await c.close();
  });

  it('the allocation ending closes its peer and client data connections and counts their bytes', async () => {
    const c = await controlConnection(s.port);
    const answer = await connect(c, at(HOST, echo.port));
    const { socket, raw } = await bind(s.port, c, getAttribute(answer, Attr.ConnectionId)!);
    socket.write('12345');
    await eventually('the echo', () => (Buffer.concat(raw).length >= 5 ? true : undefined));
    const peerSide = echo.sockets.at(-1)!;
    const deleted = new Promise<Record<string, unknown>>((resolve) => {
      const off = s.server.onEvent((name, fields) => {
        if (name === 'allocation-deleted') {
          off();
          resolve(fields);
        }
      });
    });
    await c.close();
    const fields = await deleted;
    assert.deepEqual([fields.rxBytes, fields.txBytes], [5, 5]);
    await eventually('both sockets closed', () => (socket.destroyed && peerSide.destroyed ? true : undefined));
    assert.equal(s.server.core.tcpConnectionCount, 0);
  });

  it('ConnectionBind with an unknown CONNECTION-ID → 400, and the connection stays a STUN one', async () => {
    const c = await controlConnection(s.port);
    const data = await new TcpClient().connect(s.port);
    data.nonce = c.nonce;
    data.realm = c.realm;
    assert.equal(code(await data.request(Method.ConnectionBind, [{ type: Attr.ConnectionId, value: 0x12345678 }])), 400);
    assert.equal(code(await data.request(Method.Binding, [], false)), 0);
    await data.close();
    await c.close();
  });

  it('a UDP allocation may not bind a channel to it either (403)', async () => {
    const u = await new UdpClient().connect(s.port);
    assert.equal(code(await u.allocate()), 0);
    const channel = (address: TransportAddress) => u.request(Method.ChannelBind, [{ type: Attr.ChannelNumber, value: 0x4000 }, { type: Attr.XorPeerAddress, value: address }]);
    assert.equal(code(await channel(at(HOST, redis.port))), 403);
    assert.equal(code(await channel(at(HOST, echo.port))), 0);
    await u.close();
  });

  it('a peer connecting without a permission gets no ConnectionAttempt; with one, it does and is relayed', async () => {
    const c = await controlConnection(s.port);
    const alloc = s.server.core.allocations().find((a) => a.clientPort === c.socket!.localPort);
    const relayPort = alloc!.relays[0].port;
    const refused = net.connect(relayPort, HOST);
    refused.on('error', () => {});
    await eventually('the refused peer closed', () => (refused.destroyed || refused.readyState === 'closed' ? true : undefined));
    assert.equal(attempts(c).length, 0);
    assert.ok((s.server.core.counters.drops.get('tcp-peer-no-permission') ?? 0) >= 1);
    assert.equal(code(await c.request(Method.CreatePermission, [{ type: Attr.XorPeerAddress, value: at(HOST, 0) }])), 0);
    const welcome = net.connect(relayPort, HOST);
    welcome.on('error', () => {});
    const [attempt] = await eventually('a ConnectionAttempt', () => (attempts(c).length > 0 ? attempts(c) : undefined));
    assert.equal(getAttribute(attempt, Attr.XorPeerAddress)?.port, welcome.localPort);
    const { answer, raw } = await bind(s.port, c, getAttribute(attempt, Attr.ConnectionId)!);
    assert.equal(code(answer), 0);
    welcome.write('from the peer');
    assert.equal(await eventually('peer bytes', () => (Buffer.concat(raw).length >= 13 ? Buffer.concat(raw).toString() : undefined)), 'from the peer');
    welcome.destroy();
    await c.close();
  });
});

describe('TCP relay: allowed-peer-ip names the user database', () => {
  it('Connect to it is allowed, as the operator asked', async () => {
    const redis = await tcpEchoPeer();
    const s = await start(['--allow-loopback-peers', '--allowed-peer-ip', HOST, '--redis-userdb', `ip=${HOST} port=${redis.port}`]);
    try {
      const c = await controlConnection(s.port);
      assert.equal(code(await connect(c, at(HOST, redis.port))), 0);
      await c.close();
    } finally {
      await s.server.close();
      await redis.close();
    }
  });

  it('no-tcp-relay refuses TCP allocations (442)', async () => {
    const s = await start(['--no-tcp-relay']);
    try {
      const c = await new TcpClient().connect(s.port);
      assert.equal(code(await c.allocate([{ type: Attr.RequestedTransport, value: 6 }])), 442);
      await c.close();
    } finally {
      await s.server.close();
    }
  });
});

describe('TCP relay: an embedding program\'s permission hook', () => {
  it('is asked for Connect too: false → 403, true → connected', async () => {
    const echo = await tcpEchoPeer();
    const asked: number[] = [];
    const s = await start(['--allow-loopback-peers'], (_source, peer) => {
      asked.push(peer.port);
      return peer.port === echo.port;
    });
    try {
      const c = await controlConnection(s.port);
      assert.equal(code(await connect(c, at(HOST, echo.port + 1))), 403);
      assert.equal(code(await connect(c, at(HOST, echo.port))), 0);
      assert.deepEqual(asked, [echo.port + 1, echo.port]);
      await c.close();
    } finally {
      await s.server.close();
      await echo.close();
    }
  });
});
