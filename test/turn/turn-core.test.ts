/**
 * The core's own bookkeeping: allocations keyed by 5-tuple (RFC 8656 §2), allocations that
 * end with their TCP connection (RFC 8656 §3.1), and counters as metrics see them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FiveTupleMap } from '../../src/turn/five-tuple.ts';
import { bytes, FakeTransport, peer, TurnHarness } from '../helpers/turn-harness.ts';

describe('FiveTupleMap', () => {
  it('tells apart transports, client IPs and client ports, and keeps its size', () => {
    const map = new FiveTupleMap<string>();
    map.set(1, '198.51.100.1', 5000, 'a');
    map.set(2, '198.51.100.1', 5000, 'b');
    map.set(1, '198.51.100.2', 5000, 'c');
    map.set(1, '198.51.100.1', 5001, 'd');
    map.set(1, '198.51.100.1', 5000, 'a2');
    assert.equal(map.size, 4);
    assert.equal(map.get(1, '198.51.100.1', 5000), 'a2');
    assert.equal(map.get(2, '198.51.100.1', 5000), 'b');
    assert.equal(map.get(3, '198.51.100.1', 5000), undefined);
    assert.equal(map.delete(1, '198.51.100.1', 5000), true);
    assert.equal(map.delete(1, '198.51.100.1', 5000), false);
    assert.equal(map.size, 3);
    assert.deepEqual([...map.values()].sort(), ['b', 'c', 'd']);
  });
});

describe('TurnCore', () => {
  it('deletes the allocations of a TCP connection when it closes, and only those', () => {
    const bench = new TurnHarness({ core: { userQuota: 1 } });
    const conn = new FakeTransport('tcp');
    const overTcp = bench.client({ transport: conn });
    const tcpAlloc = overTcp.allocateOk();
    const overUdp = bench.client({ user: 'bob', password: 'hunter2' });
    overUdp.allocateOk();
    bench.core.transportClosed(conn, bench.now);
    assert.equal(overTcp.allocation, undefined);
    assert.ok(overUdp.allocation);
    assert.deepEqual(bench.driver.closed, [tcpAlloc]);
    assert.equal(bench.driver.eventsNamed('allocation-deleted')[0].why, 'transport-closed');
    assert.equal(bench.core.perUser.get('alice'), undefined, 'alice may allocate again');
  });

  it('reports traffic and drops in a flat snapshot', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    client.channelBind(0x4000, peer());
    client.channelData(0x4000, bytes('out'));
    client.channelData(0x4001, bytes('unbound'));
    bench.fromPeer(alloc.relays[0], '203.0.113.5', 5000, bytes('in'));
    const snap = bench.core.counters.snapshot();
    assert.equal(snap.allocationsCreated, 1);
    assert.equal(snap.channelDataIn, 1);
    assert.equal(snap.channelDataOut, 1);
    assert.equal(snap['drop.channel-not-bound'], 1);
    assert.equal(bench.core.counters.dropped, Object.entries(snap).filter(([k]) => k.startsWith('drop.')).reduce((n, [, v]) => n + v, 0));
  });

  it('reports allocation-deleted with the traffic the allocation carried', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    client.channelBind(0x4000, peer());
    client.channelData(0x4000, bytes('12345'));
    bench.fromPeer(alloc.relays[0], '203.0.113.5', 5000, bytes('123'));
    bench.advance(42_000);
    client.refresh(0);
    const [deleted] = bench.driver.eventsNamed('allocation-deleted');
    assert.equal(deleted.seconds, 42);
    assert.equal(deleted.txBytes, 5);
    assert.equal(deleted.rxBytes, 3);
    assert.equal(deleted.user, 'alice');
  });
});
