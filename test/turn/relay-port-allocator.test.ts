/**
 * Relay ports (RFC 8656 §7.2, §14.6 EVEN-PORT, §14.9 RESERVATION-TOKEN): the allocator on its
 * own, and the whole flow through the core and a driver that binds from it — even ports, the
 * next port held under a token for 30 s, and 508 when the range is exhausted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAttribute } from '../../src/stun/index.ts';
import { Attr } from '../../src/stun/types.ts';
import { BUSY_MS, RelayPortAllocator, RESERVATION_MS } from '../../src/turn/relay-port-allocator.ts';
import { errorCode, RELAY_V4, RELAY_V6, seededRandom, TurnHarness, UDP } from '../helpers/turn-harness.ts';

const UDP_TRANSPORT = { type: Attr.RequestedTransport, value: UDP } as const;
const EVEN = { type: Attr.EvenPort, value: { reserveNext: false } } as const;
const EVEN_RESERVE = { type: Attr.EvenPort, value: { reserveNext: true } } as const;

describe('RelayPortAllocator', () => {
  it('hands out every port of the range once, then nothing, and a released port again', () => {
    const ports = new RelayPortAllocator(50_000, 50_009, seededRandom(3));
    const got = new Set<number>();
    for (let i = 0; i < 10; i++) got.add(ports.take(RELAY_V4, false, false, 0)!.port);
    assert.equal(got.size, 10);
    assert.ok([...got].every((p) => p >= 50_000 && p <= 50_009));
    assert.equal(ports.take(RELAY_V4, false, false, 0), undefined);
    ports.release(RELAY_V4, 50_004);
    assert.equal(ports.take(RELAY_V4, false, false, 0)?.port, 50_004);
  });

  it('keeps separate ranges per relay IP', () => {
    const ports = new RelayPortAllocator(50_000, 50_000, seededRandom(3));
    assert.equal(ports.take(RELAY_V4, false, false, 0)?.port, 50_000);
    assert.equal(ports.take(RELAY_V6, false, false, 0)?.port, 50_000);
  });

  it('gives even ports when asked, and none when only odd ones are left', () => {
    const ports = new RelayPortAllocator(50_001, 50_004, seededRandom(3));
    const a = ports.take(RELAY_V4, true, false, 0)!.port;
    const b = ports.take(RELAY_V4, true, false, 0)!.port;
    assert.deepEqual([a, b].sort(), [50_002, 50_004]);
    assert.equal(ports.take(RELAY_V4, true, false, 0), undefined);
    assert.ok(ports.take(RELAY_V4, false, false, 0), 'odd ports are still there');
  });

  it('holds the next port under a token until it is claimed once, or 30 s pass', () => {
    const ports = new RelayPortAllocator(50_000, 50_009, seededRandom(3));
    const got = ports.take(RELAY_V4, true, true, 0)!;
    assert.equal(got.port % 2, 0);
    assert.equal(got.token?.length, 8);
    assert.equal(ports.inUse(RELAY_V4), 2);
    assert.deepEqual(ports.takeReserved(got.token!, RESERVATION_MS - 1), { ip: RELAY_V4, port: got.port + 1 });
    assert.equal(ports.takeReserved(got.token!, RESERVATION_MS - 1), undefined, 'a token is good once');
    const other = ports.take(RELAY_V4, true, true, 0)!;
    ports.tick(RESERVATION_MS);
    assert.equal(ports.takeReserved(other.token!, RESERVATION_MS), undefined);
    assert.equal(ports.inUse(RELAY_V4), 3, 'the unclaimed port went back');
  });
});

describe('ports another process holds', () => {
  it('skips a busy port for BUSY_MS, then offers it again', () => {
    const ports = new RelayPortAllocator(50_000, 50_001, seededRandom(3));
    const a = ports.take(RELAY_V4, false, false, 0)!.port;
    ports.markBusy(RELAY_V4, a, 0);
    assert.equal(ports.inUse(RELAY_V4), 0, 'a busy port is not counted as used');
    const b = ports.take(RELAY_V4, false, false, 0)!.port;
    assert.notEqual(a, b);
    assert.equal(ports.take(RELAY_V4, false, false, BUSY_MS - 1), undefined, 'the range is really full now');
    assert.equal(ports.take(RELAY_V4, false, false, BUSY_MS)?.port, a, 'the busy mark ended');
  });

  it('finds the one free even port of a crowded range, and never a port twice', () => {
    const ports = new RelayPortAllocator(50_000, 50_999, seededRandom(9));
    for (let p = 50_000; p <= 50_999; p++) if (p !== 50_500) ports.markBusy(RELAY_V4, p, 0);
    assert.equal(ports.take(RELAY_V4, true, false, 0)?.port, 50_500);
    assert.equal(ports.take(RELAY_V4, true, false, 0), undefined);
  });

  it('tick forgets busy marks that are over and returns expired reservations for their sockets', () => {
    const ports = new RelayPortAllocator(50_000, 50_009, seededRandom(3));
    ports.markBusy(RELAY_V4, 50_003, 0);
    const got = ports.take(RELAY_V4, true, true, 0)!;
    const expired = ports.tick(Math.max(BUSY_MS, RESERVATION_MS));
    assert.equal(ports.busy(RELAY_V4), 0);
    assert.deepEqual(expired.map((r) => r.port), [got.port + 1]);
    ports.cancelReservation(got.token!);
    assert.equal(ports.reservations, 0);
  });
});

describe('EVEN-PORT and RESERVATION-TOKEN through the core (RFC 8656 §7.2)', () => {
  it('relays on an even port for EVEN-PORT', () => {
    const bench = new TurnHarness();
    const answer = bench.client().allocate([UDP_TRANSPORT, EVEN])!;
    assert.equal(errorCode(answer), 0);
    assert.equal(getAttribute(answer, Attr.XorRelayedAddress)!.port % 2, 0);
    assert.equal(getAttribute(answer, Attr.ReservationToken), undefined);
  });

  it('reserves the next port with R set; a second Allocate with the token relays on it', () => {
    const bench = new TurnHarness();
    const rtp = bench.client();
    const first = rtp.allocate([UDP_TRANSPORT, EVEN_RESERVE])!;
    const evenPort = getAttribute(first, Attr.XorRelayedAddress)!.port;
    const token = getAttribute(first, Attr.ReservationToken);
    assert.equal(evenPort % 2, 0);
    assert.equal(token?.length, 8);
    assert.equal(bench.driver.openRequests[0].request.reserveNext, true);
    const rtcp = bench.client();
    const second = rtcp.allocate([UDP_TRANSPORT, { type: Attr.ReservationToken, value: token! }])!;
    assert.equal(errorCode(second), 0);
    assert.deepEqual(getAttribute(second, Attr.XorRelayedAddress), { family: 'IPv4', address: RELAY_V4, port: evenPort + 1 });
    const third = bench.client().allocate([UDP_TRANSPORT, { type: Attr.ReservationToken, value: token! }])!;
    assert.equal(errorCode(third), 508, 'a token is claimed once');
  });

  it('508 for a token nobody claimed within 30 s, and the held port is free again', () => {
    const bench = new TurnHarness({ ports: { min: 50_000, max: 50_001 } });
    const token = getAttribute(bench.client().allocate([UDP_TRANSPORT, EVEN_RESERVE])!, Attr.ReservationToken)!;
    bench.advanceAndTick(RESERVATION_MS);
    assert.equal(errorCode(bench.client().allocate([UDP_TRANSPORT, { type: Attr.ReservationToken, value: token }])!), 508);
    bench.client().allocateOk();
  });

  it('400 for RESERVATION-TOKEN together with EVEN-PORT or REQUESTED-ADDRESS-FAMILY', () => {
    const bench = new TurnHarness();
    const token = { type: Attr.ReservationToken, value: new Uint8Array(8) } as const;
    assert.equal(errorCode(bench.client().allocate([UDP_TRANSPORT, token, EVEN])!), 400);
    assert.equal(errorCode(bench.client().allocate([UDP_TRANSPORT, token, { type: Attr.RequestedAddressFamily, value: 'IPv4' }])!), 400);
  });

  it('takes the family of the reserved port (an IPv6 pair)', () => {
    const bench = new TurnHarness({ relays: [{ family: 'IPv4', ip: RELAY_V4 }, { family: 'IPv6', ip: RELAY_V6 }] });
    const first = bench.client().allocate([UDP_TRANSPORT, EVEN_RESERVE, { type: Attr.RequestedAddressFamily, value: 'IPv6' }])!;
    const relayed = getAttribute(first, Attr.XorRelayedAddress)!;
    assert.equal(relayed.family, 'IPv6');
    const token = getAttribute(first, Attr.ReservationToken)!;
    const second = bench.client().allocate([UDP_TRANSPORT, { type: Attr.ReservationToken, value: token }])!;
    assert.deepEqual(getAttribute(second, Attr.XorRelayedAddress), { family: 'IPv6', address: RELAY_V6, port: relayed.port + 1 });
  });
});

describe('508 when the relay port range is exhausted (RFC 8656 §7.2)', () => {
  it('answers 508, says so in an event, and allocates again once a port is back', () => {
    const bench = new TurnHarness({ ports: { min: 50_000, max: 50_001 } });
    const one = bench.client();
    one.allocateOk();
    bench.client().allocateOk();
    const late = bench.client();
    const answer = late.allocate()!;
    assert.equal(errorCode(answer), 508);
    assert.ok(late.verifies(answer));
    assert.equal(bench.driver.eventsNamed('relay-ports-exhausted').length, 1);
    assert.equal(bench.core.allocationCount, 2);
    one.refresh(0);
    late.allocateOk();
  });

  it('508 for EVEN-PORT with R when no even port has a free successor', () => {
    const bench = new TurnHarness({ ports: { min: 50_001, max: 50_002 } });
    assert.equal(errorCode(bench.client().allocate([UDP_TRANSPORT, EVEN_RESERVE])!), 508);
    assert.equal(bench.ports.inUse(RELAY_V4), 0);
  });

  it('a dual allocation that gets its IPv4 port but not its IPv6 one gives both back', () => {
    const bench = new TurnHarness({
      relays: [{ family: 'IPv4', ip: RELAY_V4 }, { family: 'IPv6', ip: RELAY_V6 }],
      ports: { min: 50_000, max: 50_000 },
    });
    bench.client().allocateOk([UDP_TRANSPORT, { type: Attr.RequestedAddressFamily, value: 'IPv6' }]);
    const dual = bench.client().allocate([UDP_TRANSPORT, { type: Attr.AdditionalAddressFamily, value: 'IPv6' }])!;
    assert.equal(errorCode(dual), 508);
    assert.equal(bench.ports.inUse(RELAY_V4), 0);
    assert.equal(bench.core.allocationCount, 1);
  });
});
