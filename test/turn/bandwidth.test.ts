/**
 * Bandwidth limits (coturn's `max-bps` per allocation and `bps-capacity` per server): relayed
 * bytes beyond the budget are dropped, in both directions, and counted on the allocation and
 * in the core's drop counters; the budget refills with time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from '../../src/turn/token-bucket.ts';
import { peer, TurnHarness } from '../helpers/turn-harness.ts';

const KB = new Uint8Array(600);

describe('max-bps', () => {
  it('drops ChannelData beyond the allocation\'s budget and counts it; the budget refills', () => {
    const bench = new TurnHarness({ core: { maxBps: 1000 } });
    const client = bench.client();
    const alloc = client.allocateOk();
    client.channelBind(0x4000, peer());
    client.channelData(0x4000, KB);
    client.channelData(0x4000, KB);
    assert.equal(bench.driver.toPeers.length, 1);
    assert.equal(alloc.traffic.dropped, 1);
    assert.equal(bench.drops('max-bps'), 1);
    bench.advance(600);
    client.channelData(0x4000, KB);
    assert.equal(bench.driver.toPeers.length, 2);
  });

  it('applies to Send indications and to peer data toward the client too', () => {
    const bench = new TurnHarness({ core: { maxBps: 1000 } });
    const client = bench.client();
    const alloc = client.allocateOk();
    client.createPermission([peer()]);
    client.sendIndication(peer(), KB);
    bench.fromPeer(alloc.relays[0], '203.0.113.5', 5000, KB);
    assert.equal(bench.driver.toPeers.length, 1);
    assert.equal(client.relayed().length, 0, 'the shared budget is spent');
    assert.equal(bench.drops('max-bps'), 1);
    assert.deepEqual(alloc.traffic, { rxPackets: 0, rxBytes: 0, txPackets: 1, txBytes: 600, dropped: 1 });
  });

  it('budgets each allocation on its own', () => {
    const bench = new TurnHarness({ core: { maxBps: 1000 } });
    for (const client of [bench.client(), bench.client()]) {
      client.allocateOk();
      client.channelBind(0x4000, peer());
      client.channelData(0x4000, KB);
    }
    assert.equal(bench.driver.toPeers.length, 2);
    assert.equal(bench.drops('max-bps'), 0);
  });

  it('is unlimited at 0', () => {
    const bench = new TurnHarness({ core: { maxBps: 0 } });
    const client = bench.client();
    client.allocateOk();
    client.channelBind(0x4000, peer());
    for (let i = 0; i < 100; i++) client.channelData(0x4000, KB);
    assert.equal(bench.driver.toPeers.length, 100);
  });
});

describe('bps-capacity', () => {
  it('drops what exceeds the server-wide budget across allocations, counted apart from max-bps', () => {
    const bench = new TurnHarness({ core: { maxBps: 10_000, bpsCapacity: 1000 } });
    const one = bench.client();
    const two = bench.client();
    for (const c of [one, two]) {
      c.allocateOk();
      c.channelBind(0x4000, peer());
    }
    one.channelData(0x4000, KB);
    two.channelData(0x4000, KB);
    assert.equal(bench.driver.toPeers.length, 1);
    assert.equal(bench.drops('bps-capacity'), 1);
    assert.equal(two.allocation?.traffic.dropped, 1);
  });
});

describe('TokenBucket', () => {
  it('takes within its burst, refuses beyond, and refills in proportion to time', () => {
    const bucket = new TokenBucket(1000, 0);
    assert.equal(bucket.take(1000, 0), true);
    assert.equal(bucket.take(1, 0), false);
    assert.equal(bucket.take(500, 499), false);
    assert.equal(bucket.take(500, 500), true);
    assert.equal(bucket.isFull(), false);
    bucket.take(0, 10_000);
    assert.equal(bucket.isFull(), true, 'never more than the burst');
  });
});
