/**
 * RFC 8656 §12: the channel look-ups of an allocation — by number for ChannelData from the
 * client, by peer transport address for datagrams from peers — agree with each other however
 * many channels share a peer port or a peer IP, and forget a channel once it is removed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Allocation, type Channel, type RelayEndpoint } from '../../src/turn/allocation.ts';
import type { ClientTransport } from '../../src/turn/five-tuple.ts';

const transport: ClientTransport = { id: 1, protocol: 'udp', localIp: '127.0.0.1', localPort: 3478, send: () => {} };

function allocation(): Allocation {
  return new Allocation({ id: 1, transport, clientIp: '127.0.0.1', clientPort: 5000, username: 'u', realm: 'r', key: new Uint8Array(16), expiresAt: 600_000, now: 0 });
}

function channel(alloc: Allocation, number: number, peerIp: string, peerPort: number, expiresAt = 600_000): Channel {
  const relay = { allocation: alloc, family: 'IPv4', ip: '127.0.0.1', port: 40000, advertisedIp: '127.0.0.1', handle: { plane: 'test', id: 1 } } satisfies RelayEndpoint;
  return { number, peerIp, peerPort, relay, expiresAt, active: true, guardUntil: expiresAt + 300_000 };
}

describe('Allocation channel look-ups', () => {
  it('finds each peer transport address among channels sharing a port or an IP', () => {
    const alloc = allocation();
    const a = channel(alloc, 0x4000, '203.0.113.5', 5000);
    const b = channel(alloc, 0x4001, '203.0.113.6', 5000);
    const c = channel(alloc, 0x4002, '203.0.113.5', 5001);
    for (const ch of [a, b, c]) alloc.addChannel(ch);
    assert.equal(alloc.channelForPeer('203.0.113.5', 5000, 1), a);
    assert.equal(alloc.channelForPeer('203.0.113.6', 5000, 1), b);
    assert.equal(alloc.channelForPeer('203.0.113.5', 5001, 1), c);
    assert.equal(alloc.channelForPeer('203.0.113.6', 5001, 1), undefined);
    alloc.removeChannel(a);
    assert.equal(alloc.channelHoldingPeer('203.0.113.5', 5000), undefined);
    assert.equal(alloc.channelForPeer('203.0.113.6', 5000, 1), b);
    assert.deepEqual(alloc.channels, [b, c]);
  });

  it('holds an expired or guarded channel for re-bind checks, but relays nothing through it', () => {
    const alloc = allocation();
    const ch = channel(alloc, 0x4000, '203.0.113.5', 5000, 1000);
    alloc.addChannel(ch);
    assert.equal(alloc.channelForPeer('203.0.113.5', 5000, 1000), undefined, 'expired');
    ch.active = false;
    assert.equal(alloc.channelForPeer('203.0.113.5', 5000, 0), undefined, 'in its guard');
    assert.equal(alloc.channelHoldingPeer('203.0.113.5', 5000), ch);
  });

  it('agrees with a scan of the channel list after any adds and removes', () => {
    const ips = ['203.0.113.5', '203.0.113.6', '2001:db8::1'];
    const op = fc.record({ add: fc.boolean(), ip: fc.constantFrom(...ips), port: fc.integer({ min: 5000, max: 5003 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const alloc = allocation();
        let next = 0x4000;
        for (const o of ops) {
          const held = alloc.channelHoldingPeer(o.ip, o.port);
          if (o.add && held === undefined) alloc.addChannel(channel(alloc, next++, o.ip, o.port));
          if (!o.add && held !== undefined) alloc.removeChannel(held);
        }
        for (const ip of ips) {
          for (let port = 5000; port <= 5003; port++) {
            const scanned = alloc.channels.find((ch) => ch.peerIp === ip && ch.peerPort === port);
            assert.equal(alloc.channelForPeer(ip, port, 1), scanned);
          }
        }
      }),
    );
  });
});
