/**
 * RFC 6062 in the TURN core, with an injected clock: TCP allocations, Connect, ConnectionAttempt,
 * ConnectionBind, the 30-second timeouts and what an allocation's end does to its connections.
 * The TCP relay driver is a recording fake; no sockets, no sleeping.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method, type StunAttribute, type TransportAddress } from '../../src/stun/types.ts';
import type { Allocation, RelayEndpoint } from '../../src/turn/allocation.ts';
import type { CoreOutput, RelayRequest, TcpRelayOutput } from '../../src/turn/core-output.ts';
import type { ClientTransport } from '../../src/turn/five-tuple.ts';
import { TurnHarness, FakeTransport, TCP, UDP, errorCode, peer, RELAY_V4, RELAY_V6, type TestClient, type HarnessOptions } from '../helpers/turn-harness.ts';

/** Records what the core asks of a TCP relay driver; relay sockets "bind" through the bench. */
class FakeTcpRelay implements TcpRelayOutput {
  readonly connects: { relay: RelayEndpoint; id: number; peerIp: string; peerPort: number }[] = [];
  readonly binds: { id: number; transport: ClientTransport }[] = [];
  readonly closedConnections: number[] = [];
  readonly closedAllocations: Allocation[] = [];
  readonly bench: TurnHarness;
  constructor(bench: TurnHarness) {
    this.bench = bench;
  }
  openRelays(allocation: Allocation, request: RelayRequest): void {
    this.bench.driver.complete(allocation, request);
  }
  closeRelays(allocation: Allocation): void {
    this.closedAllocations.push(allocation);
  }
  connectPeer(relay: RelayEndpoint, id: number, peerIp: string, peerPort: number): void {
    this.connects.push({ relay, id, peerIp, peerPort });
  }
  bindConnection(id: number, transport: ClientTransport): void {
    this.binds.push({ id, transport });
  }
  closeConnection(id: number): void {
    this.closedConnections.push(id);
  }
}

function bench(opts: HarnessOptions = {}): { bench: TurnHarness; tcp: FakeTcpRelay } {
  const b = new TurnHarness({ peers: { allowLoopbackPeers: false }, ...opts });
  const tcp = new FakeTcpRelay(b);
  (b.driver as CoreOutput).tcp = tcp;
  return { bench: b, tcp };
}

const TCP_ALLOCATE: StunAttribute[] = [{ type: Attr.RequestedTransport, value: TCP }];

/** A client over its own TCP control connection with a TCP allocation. */
function tcpClient(b: TurnHarness, attrs: StunAttribute[] = TCP_ALLOCATE): TestClient {
  const client = b.client({ transport: new FakeTransport('tcp') });
  const answer = client.allocate(attrs);
  assert.equal(errorCode(answer!), 0);
  assert.equal(client.allocation?.relayTransport, 'tcp');
  return client;
}

function connect(client: TestClient, to: TransportAddress) {
  return client.request(Method.Connect, [{ type: Attr.XorPeerAddress, value: to }]);
}

/** The next message the server sent to `client` on its own (a late Connect answer, an indication). */
function nextMessage(client: TestClient) {
  const inbox = client.inbox();
  assert.equal(inbox.length, 1, 'one message');
  const d = decodeMessage(inbox[0]);
  assert.ok(d.ok);
  return d.value;
}

/** A second TCP connection of the same user, knowing the nonce, for ConnectionBind. */
function dataConnection(b: TurnHarness, control: TestClient, user?: { user: string; password: string }): TestClient {
  const c = b.client({ transport: new FakeTransport('tcp'), user: user?.user, password: user?.password });
  c.nonce = control.nonce;
  c.realm = control.realm;
  return c;
}

function connectionBind(c: TestClient, id: number) {
  return c.request(Method.ConnectionBind, [{ type: Attr.ConnectionId, value: id }]);
}

describe('RFC 6062 §5.1: TCP allocations', () => {
  it('are made over TCP; over UDP they are a bad request (400)', () => {
    const { bench: b } = bench();
    tcpClient(b);
    assert.equal(errorCode(b.client().allocate(TCP_ALLOCATE)!), 400);
  });

  it('refuse DONT-FRAGMENT and EVEN-PORT (400), and no-tcp-relay refuses them all (442)', () => {
    const { bench: b } = bench();
    const c = b.client({ transport: new FakeTransport('tcp') });
    assert.equal(errorCode(c.allocate([...TCP_ALLOCATE, { type: Attr.DontFragment, value: true }])!), 400);
    assert.equal(errorCode(c.allocate([...TCP_ALLOCATE, { type: Attr.EvenPort, value: { reserveNext: false } }])!), 400);
    const off = bench({ core: { tcpRelay: false } }).bench;
    assert.equal(errorCode(off.client({ transport: new FakeTransport('tcp') }).allocate(TCP_ALLOCATE)!), 442);
  });

  it('carry no Send indications (dropped) and no channels (400)', () => {
    const { bench: b } = bench();
    const c = tcpClient(b);
    c.createPermission([peer()]);
    c.sendIndication(peer(), new Uint8Array([1, 2, 3]));
    assert.equal(b.drops('send-on-tcp-allocation'), 1);
    assert.equal(b.driver.toPeers.length, 0);
    assert.equal(errorCode(c.channelBind(0x4000, peer())!), 400);
  });

  it('no-udp-relay still refuses UDP while TCP allocations work', () => {
    const { bench: b } = bench({ core: { udpRelay: false } });
    assert.equal(errorCode(b.client({ transport: new FakeTransport('tcp') }).allocate([{ type: Attr.RequestedTransport, value: UDP }])!), 442);
    tcpClient(b);
  });
});

describe('RFC 6062 §5.2: Connect', () => {
  it('connects, answers with CONNECTION-ID once established, and 446 for the same peer again', () => {
    const { bench: b, tcp } = bench();
    const c = tcpClient(b);
    assert.equal(connect(c, peer('203.0.113.5', 80)), undefined, 'answered once the connection is made');
    assert.equal(tcp.connects.length, 1);
    const { id, peerIp, peerPort, relay } = tcp.connects[0];
    assert.deepEqual([peerIp, peerPort, relay.ip], ['203.0.113.5', 80, RELAY_V4]);
    assert.equal(errorCode(connect(c, peer('203.0.113.5', 80))!), 446, 'while connecting');
    assert.equal(b.core.tcpPeerConnected(id, true, b.now), true);
    const answer = nextMessage(c);
    assert.equal(answer.method, Method.Connect);
    assert.equal(answer.class, MessageClass.SuccessResponse);
    assert.equal(getAttribute(answer, Attr.ConnectionId), id);
    assert.ok(c.verifies(answer));
    assert.equal(errorCode(connect(c, peer('203.0.113.5', 80))!), 446, 'once connected');
    assert.equal(b.core.counters.tcpConnectionsOpened, 1);
  });

  it('447 when the connection fails, or is not made within 30 s', () => {
    const { bench: b, tcp } = bench();
    const c = tcpClient(b);
    connect(c, peer('203.0.113.5', 80));
    b.core.tcpPeerConnected(tcp.connects[0].id, false, b.now);
    assert.equal(errorCode(nextMessage(c)), 447);
    connect(c, peer('203.0.113.6', 80));
    const slow = tcp.connects[1].id;
    b.advanceAndTick(29_000);
    assert.equal(c.inbox().length, 0);
    b.advanceAndTick(1_000);
    assert.equal(errorCode(nextMessage(c)), 447);
    assert.deepEqual(tcp.closedConnections, [slow]);
    assert.equal(b.core.tcpPeerConnected(slow, true, b.now), false, 'too late: the driver closes it');
    assert.equal(b.drops('tcp-connect-failed'), 2);
  });

  it('403 for peers the policy refuses, in every spelling; 403 on a UDP allocation', () => {
    const { bench: b, tcp } = bench({ relays: [{ family: 'IPv4', ip: RELAY_V4 }, { family: 'IPv6', ip: RELAY_V6 }] });
    const c = tcpClient(b, [...TCP_ALLOCATE, { type: Attr.AdditionalAddressFamily, value: 'IPv6' }]);
    for (const address of ['0.0.0.0', '127.0.0.1', '::', '::ffff:127.0.0.1', '::1', '10.0.0.1']) {
      assert.equal(errorCode(connect(c, peer(address, 6379))!), 403, address);
    }
    assert.equal(tcp.connects.length, 0);
    const udp = b.client();
    udp.allocateOk();
    assert.equal(errorCode(connect(udp, peer())!), 403);
  });
});

describe('RFC 6062 §5.3: connections from peers', () => {
  it('need a permission: none, no ConnectionAttempt; with one, an indication with CONNECTION-ID and XOR-PEER-ADDRESS', () => {
    const { bench: b } = bench();
    const c = tcpClient(b);
    const relay = c.allocation!.relays[0];
    assert.equal(b.core.tcpPeerArrived(relay, '203.0.113.9', 40000, b.now), 0);
    assert.equal(c.inbox().length, 0);
    assert.equal(b.drops('tcp-peer-no-permission'), 1);
    assert.equal(errorCode(c.createPermission([peer('203.0.113.9', 0)])!), 0);
    const id = b.core.tcpPeerArrived(relay, '203.0.113.9', 40000, b.now);
    assert.notEqual(id, 0);
    const ind = nextMessage(c);
    assert.equal(ind.method, Method.ConnectionAttempt);
    assert.equal(ind.class, MessageClass.Indication);
    assert.equal(getAttribute(ind, Attr.ConnectionId), id);
    assert.deepEqual(getAttribute(ind, Attr.XorPeerAddress), { family: 'IPv4', address: '203.0.113.9', port: 40000 });
  });

  it('are closed when not bound within 30 s', () => {
    const { bench: b, tcp } = bench();
    const c = tcpClient(b);
    c.createPermission([peer('203.0.113.9', 0)]);
    const id = b.core.tcpPeerArrived(c.allocation!.relays[0], '203.0.113.9', 40000, b.now);
    b.advanceAndTick(30_000);
    assert.deepEqual(tcp.closedConnections, [id]);
    assert.equal(b.drops('tcp-bind-timeout'), 1);
    assert.equal(errorCode(connectionBind(dataConnection(b, c), id)!), 400, 'the id is gone');
  });
});

describe('RFC 6062 §5.4: ConnectionBind', () => {
  function waiting(): { b: TurnHarness; tcp: FakeTcpRelay; c: TestClient; id: number } {
    const { bench: b, tcp } = bench();
    const c = tcpClient(b);
    connect(c, peer('203.0.113.5', 80));
    const id = tcp.connects[0].id;
    b.core.tcpPeerConnected(id, true, b.now);
    c.inbox();
    return { b, tcp, c, id };
  }

  it('binds a new connection with the same credentials, once', () => {
    const { b, tcp, c, id } = waiting();
    const data = dataConnection(b, c);
    const answer = connectionBind(data, id)!;
    assert.equal(errorCode(answer), 0);
    assert.ok(data.verifies(answer));
    assert.equal(tcp.binds.length, 1);
    assert.equal(tcp.binds[0].id, id);
    assert.equal(tcp.binds[0].transport, data.transport);
    assert.equal(errorCode(connectionBind(dataConnection(b, c), id)!), 400, 'already bound');
    b.advanceAndTick(60_000);
    assert.deepEqual(tcp.closedConnections, [], 'a bound connection has no timeout');
  });

  it('400 for an unknown CONNECTION-ID, on the control connection, or over UDP; 441 for other credentials', () => {
    const { b, tcp, c, id } = waiting();
    assert.equal(errorCode(connectionBind(dataConnection(b, c), (id + 1) >>> 0)!), 400);
    assert.equal(errorCode(connectionBind(c, id)!), 400);
    const overUdp = b.client();
    overUdp.nonce = c.nonce;
    assert.equal(errorCode(connectionBind(overUdp, id)!), 400);
    assert.equal(errorCode(connectionBind(dataConnection(b, c, { user: 'bob', password: 'hunter2' }), id)!), 441);
    assert.equal(tcp.binds.length, 0);
  });

  it('an allocation that ends forgets its connections and closes its TCP relay', () => {
    const { b, tcp, c, id } = waiting();
    b.core.transportClosed(c.transport, b.now);
    assert.equal(tcp.closedAllocations.length, 1);
    assert.equal(b.core.tcpConnectionCount, 0);
    assert.equal(b.core.counters.tcpConnectionsClosed, 1);
    assert.equal(errorCode(connectionBind(dataConnection(b, c), id)!), 400);
  });
});
