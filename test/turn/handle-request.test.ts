/**
 * The gate every TURN request passes (RFC 8656 §5–§6, RFC 8489 §9.2.4): nonces going stale,
 * bad credentials, 441 for another user on an allocation's 5-tuple, byte-identical answers to
 * retransmissions, and the per-IP budget of unauthenticated answers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeMessage, getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { decodeOk } from '../stun/helpers.ts';
import { errorCode, peer, TurnHarness, UDP } from '../helpers/turn-harness.ts';

const UDP_TRANSPORT = { type: Attr.RequestedTransport, value: UDP } as const;

describe('nonces (RFC 8489 §9.2.4)', () => {
  it('438 with a fresh NONCE for a stale one, then success with the fresh one', () => {
    const bench = new TurnHarness({ staleNonceSeconds: 600 });
    const client = bench.client();
    client.challenge();
    const old = client.nonce;
    bench.advance(600_000);
    const stale = client.allocate()!;
    assert.equal(errorCode(stale), 438);
    const fresh = getAttribute(stale, Attr.Nonce);
    assert.ok(fresh && fresh !== old, 'a new nonce comes with the 438');
    assert.equal(getAttribute(stale, Attr.Realm), 'example.org');
    assert.equal(bench.core.allocationCount, 0);
    const answer = client.allocate()!;
    assert.equal(errorCode(answer), 0);
  });

  it('accepts a nonce until just before it goes stale', () => {
    const bench = new TurnHarness({ staleNonceSeconds: 600 });
    const client = bench.client();
    client.challenge();
    bench.advance(599_999);
    assert.equal(errorCode(client.allocate()!), 0);
  });

  it('a stale nonce on an existing allocation also gets 438; the allocation is untouched', () => {
    const bench = new TurnHarness({ staleNonceSeconds: 60 });
    const client = bench.client();
    const alloc = client.allocateOk();
    bench.advance(60_000);
    assert.equal(errorCode(client.createPermission([peer()])!), 438);
    assert.equal(alloc.permissions.size, 0);
    assert.equal(errorCode(client.createPermission([peer()])!), 0);
  });

  it('438 with a fresh nonce for a nonce issued to another IP address, which then works', () => {
    const bench = new TurnHarness();
    const a = bench.client({ ip: '198.51.100.1' });
    const b = bench.client({ ip: '198.51.100.2' });
    a.challenge();
    b.nonce = a.nonce;
    b.realm = a.realm;
    assert.equal(errorCode(b.allocate()!), 438);
    assert.notEqual(b.nonce, a.nonce, 'the 438 carried a nonce for this address');
    assert.equal(errorCode(b.allocate()!), 0);
    assert.equal(bench.drops('auth-invalid-nonce'), 1);
  });
});

describe('credentials (RFC 8489 §9.2.4)', () => {
  it('401 with a new challenge for a wrong password or an unknown user, counted by reason', () => {
    const bench = new TurnHarness();
    const wrong = bench.client({ password: 'not it' });
    wrong.challenge();
    const answer = wrong.allocate()!;
    assert.equal(errorCode(answer), 401);
    assert.ok(getAttribute(answer, Attr.Nonce));
    assert.equal(answer.integrityOffset, -1, 'a failed authentication is not signed');
    const stranger = bench.client({ user: 'mallory', password: 'x' });
    stranger.challenge();
    assert.equal(errorCode(stranger.allocate()!), 401);
    assert.equal(bench.drops('auth-bad-integrity'), 1);
    assert.equal(bench.drops('auth-unknown-user'), 1);
    assert.equal(bench.core.allocationCount, 0);
    assert.deepEqual(bench.driver.eventsNamed('auth-failed').map((f) => f.user), ['alice', 'mallory']);
  });

  it('400 for USERNAME and MESSAGE-INTEGRITY without REALM and NONCE; 438 for a NONCE that is not ours', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.challenge();
    const tid = client.newTid();
    const bare = encodeMessage(
      { method: Method.Allocate, class: MessageClass.Request, transactionId: tid, attributes: [UDP_TRANSPORT, { type: Attr.Username, value: 'alice' }] },
      { integrityKey: client.key },
    );
    client.inbox();
    client.sendRaw(bare);
    const [answer] = client.inbox();
    assert.equal(errorCode(decodeOk(answer)), 400);
    client.nonce = 'obMatJos2AAAAnot-a-nonce-we-issued';
    assert.equal(errorCode(client.allocate()!), 438);
  });

  it('with no-auth, allocates without any challenge', () => {
    const bench = new TurnHarness({ core: { noAuth: true } });
    const client = bench.client();
    const answer = client.request(Method.Allocate, [UDP_TRANSPORT], { sign: false })!;
    assert.equal(errorCode(answer), 0);
    assert.equal(answer.integrityOffset, -1);
  });

  it('with stun-only, refuses TURN methods with 400', () => {
    const bench = new TurnHarness({ core: { stunOnly: true } });
    const client = bench.client();
    assert.equal(errorCode(client.request(Method.Allocate, [UDP_TRANSPORT], { sign: false })!), 400);
  });
});

describe('one allocation per 5-tuple and its user (RFC 8656 §5, §7.2)', () => {
  it('441 when another user signs a request on the allocation\'s 5-tuple', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    const bob = { user: 'bob', password: 'hunter2' };
    assert.equal(errorCode(client.refresh(0, { as: bob })!), 441);
    assert.equal(errorCode(client.createPermission([peer()], { as: bob })!), 441);
    // An Allocate on a 5-tuple in use is refused whoever signs it (437 or 441 both say no).
    assert.notEqual(errorCode(client.request(Method.Allocate, [UDP_TRANSPORT], { as: bob })!), 0);
    assert.equal(client.allocation, alloc, 'alice keeps her allocation');
    assert.equal(alloc.permissions.size, 0);
  });

  it('437 for Refresh, CreatePermission and ChannelBind without an allocation', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.challenge();
    assert.equal(errorCode(client.refresh(600)!), 437);
    assert.equal(errorCode(client.createPermission([peer()])!), 437);
    assert.equal(errorCode(client.channelBind(0x4000, peer())!), 437);
  });

  it('keeps 5-tuples apart: the same client address on another port has its own allocation', () => {
    const bench = new TurnHarness();
    const one = bench.client({ port: 41_000 });
    const two = bench.client({ port: 41_001 });
    assert.notEqual(one.allocateOk(), two.allocateOk());
    assert.equal(bench.core.allocationCount, 2);
  });
});

describe('retransmissions (RFC 8489 §6.3.1, RFC 8656 §7.2)', () => {
  it('a retransmitted Allocate gets the byte-identical answer, not a 437 nor a second relay', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.challenge();
    const tid = client.newTid();
    const first = client.request(Method.Allocate, [UDP_TRANSPORT], { tid })!;
    assert.equal(errorCode(first), 0);
    bench.advance(1_500);
    const again = client.request(Method.Allocate, [UDP_TRANSPORT], { tid })!;
    assert.deepEqual(Buffer.from(again.raw), Buffer.from(first.raw));
    assert.equal(bench.driver.openRequests.length, 1);
    assert.equal(bench.core.counters.allocationsCreated, 1);
  });

  it('a retransmitted ChannelBind and Refresh get their cached answers', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    const tid = client.newTid();
    const bind = [
      { type: Attr.ChannelNumber, value: 0x4000 },
      { type: Attr.XorPeerAddress, value: peer() },
    ] as const;
    const first = client.request(Method.ChannelBind, [...bind], { tid })!;
    const again = client.request(Method.ChannelBind, [...bind], { tid })!;
    assert.deepEqual(Buffer.from(again.raw), Buffer.from(first.raw));
    const rtid = client.newTid();
    const r1 = client.request(Method.Refresh, [{ type: Attr.Lifetime, value: 900 }], { tid: rtid })!;
    bench.advance(10_000);
    const r2 = client.request(Method.Refresh, [{ type: Attr.Lifetime, value: 900 }], { tid: rtid })!;
    assert.deepEqual(Buffer.from(r2.raw), Buffer.from(r1.raw));
    assert.equal(alloc.expiresAt, bench.now - 10_000 + 900_000, 'decided once');
  });
});

describe('unauthenticated answers are rate-limited per source IP', () => {
  it('drops and counts the 21st 401 within a second to one IP; another IP is still answered', () => {
    const bench = new TurnHarness({ core: { unauthenticatedRateLimit: 20, unauthenticatedBurst: 20 } });
    const flooder = bench.client({ ip: '198.51.100.66' });
    for (let i = 0; i < 20; i++) assert.equal(errorCode(flooder.challenge()), 401);
    assert.equal(flooder.request(Method.Allocate, [UDP_TRANSPORT], { sign: false }), undefined);
    assert.equal(bench.drops('unauthenticated-rate-limit'), 1);
    const other = bench.client({ ip: '198.51.100.67' });
    assert.equal(errorCode(other.challenge()), 401);
    bench.advance(1_000);
    assert.equal(errorCode(flooder.challenge()), 401, 'the budget refills');
  });

  it('does not limit authenticated answers', () => {
    const bench = new TurnHarness({ core: { unauthenticatedRateLimit: 2, unauthenticatedBurst: 2 } });
    const client = bench.client();
    client.challenge();
    client.challenge();
    assert.equal(client.request(Method.Allocate, [UDP_TRANSPORT], { sign: false }), undefined);
    assert.equal(errorCode(client.allocate()!), 0);
    for (let i = 0; i < 5; i++) assert.equal(errorCode(client.refresh(600)!), 0);
  });

  it('forgets the budgets of idle addresses on the sweep', () => {
    const bench = new TurnHarness();
    bench.client({ ip: '198.51.100.70' }).challenge();
    assert.equal(bench.core.sourceBudgets.size, 1);
    bench.advanceAndTick(5_000);
    assert.equal(bench.core.sourceBudgets.size, 0);
  });
});
