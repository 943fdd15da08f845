/**
 * RFC 8016 mobility in the TURN core: MOBILITY-TICKET in the Allocate answer, the move of an
 * allocation to a new 5-tuple by a Refresh carrying the ticket (relayed address, permissions
 * and channels kept, the old 5-tuple dead, the forwarding row republished), and the refusals:
 * 405 without mobility, 400 for a non-empty ticket in an Allocate, 437 for a forged, replayed
 * or stale ticket, 441 for a ticket presented with another user's credentials.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAttribute } from '../../src/stun/index.ts';
import { Attr, Method, type DecodedStunMessage, type StunAttribute } from '../../src/stun/types.ts';
import { createTicketSealer } from '../../src/server/mobility-tickets.ts';
import { bytes, errorCode, FakeTransport, peer, TurnHarness, UDP, type TestClient } from '../helpers/turn-harness.ts';

const PEER = peer('203.0.113.5', 5000);
const MOBILE: StunAttribute[] = [
  { type: Attr.RequestedTransport, value: UDP },
  { type: Attr.MobilityTicket, value: new Uint8Array(0) },
];

function bench(mobility = true): TurnHarness {
  return new TurnHarness({ core: { mobility }, tickets: createTicketSealer(Buffer.alloc(32, 7)) });
}

/** A client on a new 5-tuple that already holds the server's nonce (RFC 8489 §9.2: nonces are per IP). */
function moved(b: TurnHarness, from: TestClient, opts: { ip?: string; port?: number; user?: string; password?: string; transport?: FakeTransport } = {}): TestClient {
  const c = b.client(opts);
  if (c.ip === from.ip) {
    c.nonce = from.nonce;
    c.realm = from.realm;
  } else {
    c.challenge(Method.Refresh);
  }
  return c;
}

function ticketOf(answer: DecodedStunMessage): Uint8Array {
  const t = getAttribute(answer, Attr.MobilityTicket);
  assert.ok(t, 'the answer carries a MOBILITY-TICKET');
  return t;
}

function refreshWith(c: TestClient, ticket: Uint8Array, tid?: Uint8Array): DecodedStunMessage {
  const answer = c.request(Method.Refresh, [{ type: Attr.Lifetime, value: 600 }, { type: Attr.MobilityTicket, value: ticket }], { tid });
  assert.ok(answer, 'the Refresh is answered');
  return answer;
}

describe('RFC 8016 mobility: tickets', () => {
  it('an Allocate with an empty MOBILITY-TICKET gets a ticket: printable, at most 32 bytes', () => {
    const b = bench();
    const answer = b.client().allocate(MOBILE)!;
    assert.equal(errorCode(answer), 0);
    const t = ticketOf(answer);
    assert.ok(t.length > 0 && t.length <= 32);
    assert.match(Buffer.from(t).toString('latin1'), /^[A-Za-z0-9_-]+$/);
  });

  it('an Allocate without one gets none, and its allocation cannot move', () => {
    const b = bench();
    const c = b.client();
    const answer = c.allocate()!;
    assert.equal(getAttribute(answer, Attr.MobilityTicket), undefined);
    assert.equal(c.allocation?.mobile, false);
  });

  it('405 Mobility Forbidden without mobility, for an Allocate and for a Refresh from a new 5-tuple', () => {
    const b = bench(false);
    const c = b.client();
    assert.equal(errorCode(c.allocate(MOBILE)!), 405);
    assert.equal(c.allocation, undefined);
    c.allocateOk();
    assert.equal(errorCode(refreshWith(moved(b, c), Buffer.from('whatever'))), 405);
  });

  it('400 for a non-empty MOBILITY-TICKET in an Allocate', () => {
    const b = bench();
    const c = b.client();
    assert.equal(errorCode(c.allocate([MOBILE[0], { type: Attr.MobilityTicket, value: bytes('mine') }])!), 400);
  });

  it('a Refresh on the allocation\'s own 5-tuple carries the current ticket', () => {
    const b = bench();
    const c = b.client();
    const t0 = ticketOf(c.allocate(MOBILE)!);
    assert.deepEqual(ticketOf(c.refresh(600)!), t0);
    assert.deepEqual(ticketOf(refreshWith(c, t0)), t0);
    assert.equal(errorCode(refreshWith(c, bytes('not-a-ticket'))), 400);
  });
});

describe('RFC 8016 mobility: a Refresh with the ticket from a new 5-tuple', () => {
  it('moves the allocation: same relay, permissions and channels; the old 5-tuple is dead; the row is republished', () => {
    const b = bench();
    const old = b.client();
    const t0 = ticketOf(old.allocate(MOBILE)!);
    const alloc = old.allocation!;
    assert.equal(errorCode(old.channelBind(0x4000, PEER)!), 0);
    const relay = alloc.relays[0];
    const next = moved(b, old, { ip: '198.51.100.99', port: 41_000 });
    const answer = refreshWith(next, t0);
    assert.equal(errorCode(answer), 0);
    assert.ok(next.verifies(answer), 'signed with the key of the request');
    assert.equal(getAttribute(answer, Attr.Lifetime), 600);
    const t1 = ticketOf(answer);
    assert.notDeepEqual(t1, t0, 'a new ticket after the move');
    // The same allocation, now on the new 5-tuple only.
    assert.equal(next.allocation, alloc);
    assert.equal(old.allocation, undefined);
    assert.equal(alloc.relays[0], relay);
    assert.ok(alloc.hasPermission('203.0.113.5', b.now));
    assert.equal(alloc.channelsByNumber.get(0x4000)?.peerPort, 5000);
    // The data plane's row names the new client address.
    const row = b.driver.table.get(alloc.id)!;
    assert.equal(row.clientIp, '198.51.100.99');
    assert.equal(row.clientPort, 41_000);
    assert.equal(row.channels.length, 1);
    // Peer data goes to the new 5-tuple; ChannelData from the old one goes nowhere.
    b.fromPeer(relay, '203.0.113.5', 5000, bytes('to the new path'));
    assert.deepEqual(next.relayed().map((r) => Buffer.from(r.data).toString()), ['to the new path']);
    assert.deepEqual(old.relayed(), []);
    old.channelData(0x4000, bytes('from the old path'));
    assert.equal(b.driver.toPeers.length, 0);
    next.channelData(0x4000, bytes('from the new path'));
    assert.equal(Buffer.from(b.driver.toPeers[0].data).toString(), 'from the new path');
    assert.equal(b.core.allocationCount, 1);
    assert.equal(b.core.perUser.get('alice'), 1, 'the quota counts one allocation still');
    assert.equal(b.driver.eventsNamed('allocation-moved').length, 1);
  });

  it('a retransmission of the moving Refresh gets the same answer', () => {
    const b = bench();
    const old = b.client();
    const t0 = ticketOf(old.allocate(MOBILE)!);
    const next = moved(b, old);
    const tid = next.newTid();
    const first = refreshWith(next, t0, tid);
    const again = refreshWith(next, t0, tid);
    assert.equal(errorCode(again), 0);
    assert.deepEqual(ticketOf(again), ticketOf(first));
  });

  it('moves again with the new ticket, and back to a 5-tuple it left', () => {
    const b = bench();
    const a = b.client();
    const t0 = ticketOf(a.allocate(MOBILE)!);
    const alloc = a.allocation!;
    const c2 = moved(b, a);
    const t1 = ticketOf(refreshWith(c2, t0));
    const back = refreshWith(a, t1);
    assert.equal(errorCode(back), 0);
    assert.equal(a.allocation, alloc);
    assert.equal(c2.allocation, undefined);
  });

  it('LIFETIME 0 from the new 5-tuple moves and deletes', () => {
    const b = bench();
    const old = b.client();
    const t0 = ticketOf(old.allocate(MOBILE)!);
    const next = moved(b, old);
    const answer = next.request(Method.Refresh, [{ type: Attr.Lifetime, value: 0 }, { type: Attr.MobilityTicket, value: t0 }])!;
    assert.equal(errorCode(answer), 0);
    assert.equal(b.core.allocationCount, 0);
    assert.equal(b.driver.table.size, 0);
  });
});

describe('RFC 8016 mobility over TCP', () => {
  it('a mobile allocation outlives its closed connection and moves to a new one; others go with theirs', () => {
    const b = bench();
    const firstConn = new FakeTransport('tcp');
    const mobile = b.client({ transport: firstConn });
    const t0 = ticketOf(mobile.allocate(MOBILE)!);
    const alloc = mobile.allocation!;
    const plainConn = new FakeTransport('tcp');
    b.client({ transport: plainConn }).allocateOk();
    b.core.transportClosed(firstConn, b.now);
    b.core.transportClosed(plainConn, b.now);
    assert.equal(b.core.allocationCount, 1, 'the mobile allocation waits; the other is gone');
    const next = moved(b, mobile, { transport: new FakeTransport('tcp') });
    assert.equal(errorCode(refreshWith(next, t0)), 0);
    assert.equal(next.allocation, alloc);
    // A detached allocation still expires at the end of its lifetime.
    b.core.transportClosed(next.transport, b.now);
    b.advanceAndTick(601_000);
    assert.equal(b.core.allocationCount, 0);
  });
});

describe('RFC 8016 mobility: security', () => {
  it('437 for a replayed ticket: the one that made a move opens nothing afterwards', () => {
    const b = bench();
    const old = b.client();
    const t0 = ticketOf(old.allocate(MOBILE)!);
    const alloc = old.allocation!;
    const next = moved(b, old);
    assert.equal(errorCode(refreshWith(next, t0)), 0);
    const thief = moved(b, old);
    assert.equal(errorCode(refreshWith(thief, t0)), 437);
    assert.equal(next.allocation, alloc, 'the allocation stays where it moved');
    assert.equal(thief.allocation, undefined);
  });

  it('437 for a forged or altered ticket, and for a ticket of a deleted allocation', () => {
    const b = bench();
    const old = b.client();
    const t0 = ticketOf(old.allocate(MOBILE)!);
    const altered = Uint8Array.from(t0);
    altered[3] = altered[3] === 0x41 ? 0x42 : 0x41;
    assert.equal(errorCode(refreshWith(moved(b, old), altered)), 437);
    assert.equal(errorCode(refreshWith(moved(b, old), bytes('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))), 437);
    // Another server (another secret) sealed this one.
    const foreign = createTicketSealer(Buffer.alloc(32, 9)).seal(new Uint8Array([0, 0, 0, old.allocation!.id, 0, 0, 0, 0]));
    assert.equal(errorCode(refreshWith(moved(b, old), foreign)), 437);
    assert.equal(errorCode(old.refresh(0)!), 0);
    assert.equal(errorCode(refreshWith(moved(b, old), t0)), 437);
  });

  it("441 for alice's ticket presented with bob's credentials; the allocation stays alice's, where it was", () => {
    const b = bench();
    const alice = b.client();
    const t0 = ticketOf(alice.allocate(MOBILE)!);
    const alloc = alice.allocation!;
    const bob = moved(b, alice, { user: 'bob', password: 'hunter2' });
    assert.equal(errorCode(refreshWith(bob, t0)), 441);
    assert.equal(alice.allocation, alloc);
    assert.equal(bob.allocation, undefined);
    // The ticket is still good for alice herself.
    assert.equal(errorCode(refreshWith(moved(b, alice), t0)), 0);
  });

  it('401 for a moving Refresh that does not authenticate', () => {
    const b = bench();
    const alice = b.client();
    const t0 = ticketOf(alice.allocate(MOBILE)!);
    const next = moved(b, alice, { password: 'wrong' });
    assert.equal(errorCode(refreshWith(next, t0)), 401);
    assert.ok(alice.allocation);
  });
});
