/**
 * `tcp-proxy-port` on a real server: the PROXY header's source address becomes the client of
 * the 5-tuple — XOR-MAPPED-ADDRESS, the allocation, the authentication-failure records — with
 * a v2 header, a v1 header, TLS after the header, and LOCAL (the connection's own address).
 * A connection without a valid header is counted and closed. And the spoofing security test:
 * a PROXY header sent to the normal TCP port is never trusted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startTurnServer, type RunningTurnServer } from '../../src/server/turn-server.ts';
import { decodeMessage, encodeMessage, getAttribute, streamFrameLength } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method, type DecodedStunMessage } from '../../src/stun/types.ts';
import { encodeProxyV1, encodeProxyV2, type ProxyAddress } from '../../src/net/proxy-protocol.ts';
import { newTransactionId } from '../../src/client/transactions.ts';
import { freeRange, freeTcpPort, freeUdpTcpPort } from '../../harness/ports.ts';
import { dropsOf, eventually, HOST, TcpClient } from './wire.ts';
import { TurnHarness } from '../helpers/turn-harness.ts';
import { FaultGuard } from '../../src/log/fault-guard.ts';
import { listenProxied } from '../../src/server/proxy-listener.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../http/fixtures/${name}`, import.meta.url));
const SPOOFED: ProxyAddress = { family: 'IPv4', ip: '203.0.113.7', port: 4444 };

/** A TURN client over TCP that writes a PROXY header before anything else. */
class ProxiedClient extends TcpClient {
  readonly header: Uint8Array;

  constructor(header: Uint8Array, password = 'secret') {
    super('alice', password);
    this.header = header;
  }

  override async connect(serverPort: number): Promise<this> {
    await super.connect(serverPort);
    this.socket!.write(this.header);
    return this;
  }
}

/** Writes `bytes` then a Binding request on one stream; resolves with the answer, or 'closed'. */
function bindingOver(socket: net.Socket | tls.TLSSocket, before: Uint8Array): Promise<DecodedStunMessage | 'closed'> {
  return new Promise((resolve) => {
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const n = streamFrameLength(pending);
      if (n > 0 && n <= pending.length) {
        const d = decodeMessage(pending.subarray(0, n));
        socket.destroy();
        resolve(d.ok ? d.value : 'closed');
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve('closed'));
    socket.write(Buffer.concat([before, encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: newTransactionId(), attributes: [] })]));
  });
}

function mapped(answer: DecodedStunMessage | 'closed'): string {
  if (answer === 'closed') return 'closed';
  const a = getAttribute(answer, Attr.XorMappedAddress);
  return `${a?.address}:${a?.port}`;
}

function destination(port: number): ProxyAddress {
  return { family: 'IPv4', ip: HOST, port };
}

describe('tcp-proxy-port (no coturn utility writes PROXY headers: Turnpike\'s encoder does)', () => {
  let server: RunningTurnServer;
  let port: number;
  let proxyPort: number;
  before(async () => {
    port = await freeUdpTcpPort();
    proxyPort = await freeTcpPort();
    const relay = await freeRange(4);
    const { config } = loadTurnserverConfig([
      '-n', '--listening-ip', HOST, '--listening-port', String(port), '--tls-listening-port', String(await freeTcpPort()),
      '--min-port', String(relay.min), '--max-port', String(relay.max), '--realm', 'example.org',
      '--user', 'alice:secret', '--lt-cred-mech', '--cert', fixture('localhost-cert.pem'), '--pkey', fixture('localhost-key.pem'), '--no-dtls',
    ]);
    config.tcpProxyPort = proxyPort;
    server = await startTurnServer(config, { logger: silentLogger });
  });
  after(async () => {
    await server?.close();
  });

  test('listens on tcp-proxy-port', () => {
    assert.ok(server.listeners.some((l) => l.protocol === 'tcp' && l.port === proxyPort));
  });

  test('v2 header then a Binding: XOR-MAPPED-ADDRESS is the header\'s source', async () => {
    const answer = await bindingOver(net.connect(proxyPort, HOST), encodeProxyV2({ source: SPOOFED, destination: destination(proxyPort) }));
    assert.equal(mapped(answer), '203.0.113.7:4444');
  });

  test('v1 header then a Binding', async () => {
    const answer = await bindingOver(net.connect(proxyPort, HOST), encodeProxyV1(SPOOFED, destination(proxyPort)));
    assert.equal(mapped(answer), '203.0.113.7:4444');
  });

  test('v2 header arriving a byte at a time, then a Binding', async () => {
    const socket = net.connect(proxyPort, HOST);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const header = encodeProxyV2({ source: SPOOFED, destination: destination(proxyPort) });
    for (const byte of header) {
      socket.write(Uint8Array.of(byte));
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(mapped(await bindingOver(socket, new Uint8Array(0))), '203.0.113.7:4444');
  });

  test('v2 header then TLS: the Binding inside TLS sees the header\'s source', async () => {
    const raw = net.connect(proxyPort, HOST);
    await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
    raw.write(encodeProxyV2({ source: SPOOFED, destination: destination(proxyPort) }));
    const secure = tls.connect({ socket: raw, ca: readFileSync(fixture('localhost-cert.pem')), servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    assert.equal(mapped(await bindingOver(secure, new Uint8Array(0))), '203.0.113.7:4444');
  });

  test('v2 LOCAL: the connection\'s own address stands', async () => {
    const socket = net.connect(proxyPort, HOST);
    const answer = await bindingOver(socket, encodeProxyV2());
    assert.notEqual(answer, 'closed');
    assert.match(mapped(answer), /^127\.0\.0\.1:\d+$/);
  });

  test('the allocation and the authentication-failure records carry the header\'s source', async () => {
    const client = await new ProxiedClient(encodeProxyV2({ source: SPOOFED, destination: destination(proxyPort) })).connect(proxyPort);
    try {
      const ok = await client.allocate();
      assert.equal(ok.class, MessageClass.SuccessResponse);
      assert.ok(server.core.allocations().some((a) => a.clientIp === '203.0.113.7'));
    } finally {
      await client.close();
    }
    const since = Date.now() - 1;
    const wrong = await new ProxiedClient(encodeProxyV1({ family: 'IPv4', ip: '198.51.100.9', port: 5555 }, destination(proxyPort)), 'wrong').connect(proxyPort);
    try {
      const refused = await wrong.allocate();
      assert.equal(getAttribute(refused, Attr.ErrorCode)?.code, 401);
      await eventually('an auth failure record', () => (server.recentAuthFailures('198.51.100.9', since).length > 0 ? true : undefined));
    } finally {
      await wrong.close();
    }
  });

  test('a connection without a header is counted and closed', async () => {
    const before = dropsOf(server).get('proxy-header-invalid') ?? 0;
    const answer = await bindingOver(net.connect(proxyPort, HOST), new Uint8Array(0));
    assert.equal(answer, 'closed');
    assert.equal((dropsOf(server).get('proxy-header-invalid') ?? 0) - before, 1);
  });

  test('a truncated header followed by garbage is counted and closed', async () => {
    const header = encodeProxyV1(SPOOFED, destination(proxyPort));
    const answer = await bindingOver(net.connect(proxyPort, HOST), header.subarray(0, header.length - 2));
    assert.equal(answer, 'closed');
  });

  test('spoofing: a PROXY header sent to the normal TCP port is never trusted', async () => {
    for (const header of [encodeProxyV2({ source: SPOOFED, destination: destination(port) }), encodeProxyV1(SPOOFED, destination(port))]) {
      const answer = await bindingOver(net.connect(port, HOST), header);
      assert.notEqual(mapped(answer), '203.0.113.7:4444');
      assert.equal(answer, 'closed', 'the header is garbage there');
    }
    assert.ok(!server.core.allocations().some((a) => a.clientIp === '203.0.113.7' && a.transport.localPort === port));
  });
});

describe('tcp-proxy-port header deadline', () => {
  test('a connection that never completes its header is closed at the deadline and counted', async () => {
    const bench = new TurnHarness();
    const guard = new FaultGuard({ count: () => {}, log: () => {}, now: Date.now });
    // A deadline of 1 ms: the socket is closed by the timer, whatever else happens.
    const listener = await listenProxied({ core: bench.core, store: bench.store, now: Date.now, guard }, HOST, 0, { headerTimeoutMs: 1 });
    try {
      const socket = net.connect(listener.localPort, HOST);
      socket.on('error', () => {});
      socket.write('PROXY TCP4 203.0.113.7');
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      assert.equal(bench.core.counters.drops.get('proxy-header-timeout'), 1);
    } finally {
      await listener.close();
    }
  });
});
