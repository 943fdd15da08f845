/**
 * RFC 8656 §7.3: Refresh — a new lifetime (clamped like Allocate's), deletion at once with
 * LIFETIME 0 (relays closed, quota returned), and 437 without an allocation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAttribute } from '../../src/stun/index.ts';
import { Attr, Method } from '../../src/stun/types.ts';
import { errorCode, RELAY_V4, TurnHarness } from '../helpers/turn-harness.ts';

describe('Refresh (RFC 8656 §7.3)', () => {
  it('extends the allocation from the time of the Refresh', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    bench.advance(500_000);
    const answer = client.refresh(1200)!;
    assert.equal(errorCode(answer), 0);
    assert.equal(getAttribute(answer, Attr.Lifetime), 1200);
    assert.ok(client.verifies(answer));
    assert.equal(alloc.expiresAt, bench.now + 1_200_000);
    // The old lifetime would have ended here; the refreshed allocation lives on.
    bench.advanceAndTick(100_000);
    assert.equal(client.allocation, alloc);
    assert.equal(bench.driver.eventsNamed('allocation-refreshed').length, 1);
  });

  it('without LIFETIME gives the default, and clamps to max-allocate-lifetime', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.allocateOk();
    assert.equal(getAttribute(client.refresh()!, Attr.Lifetime), 600);
    assert.equal(getAttribute(client.refresh(10)!, Attr.Lifetime), 600);
    assert.equal(getAttribute(client.refresh(86_400)!, Attr.Lifetime), 3600);
  });

  it('with LIFETIME 0 deletes at once: answer LIFETIME 0, relays closed, quota returned', () => {
    const bench = new TurnHarness({ core: { userQuota: 1 } });
    const client = bench.client();
    const alloc = client.allocateOk();
    assert.equal(bench.ports.inUse(RELAY_V4), 1);
    const answer = client.refresh(0)!;
    assert.equal(errorCode(answer), 0);
    assert.equal(getAttribute(answer, Attr.Lifetime), 0);
    assert.equal(client.allocation, undefined);
    assert.deepEqual(bench.driver.closed, [alloc]);
    assert.equal(bench.ports.inUse(RELAY_V4), 0);
    assert.equal(bench.core.perUser.get('alice'), undefined);
    assert.equal(bench.driver.eventsNamed('allocation-deleted')[0].why, 'refresh-0');
    // The user's quota of one is free again, on another 5-tuple too.
    bench.client({ port: 45_000 }).allocateOk();
  });

  it('437 for a Refresh without an allocation', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.challenge();
    assert.equal(errorCode(client.refresh(600)!), 437);
  });

  it('437 for a Refresh after LIFETIME 0 deleted the allocation', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.allocateOk();
    client.refresh(0);
    assert.equal(errorCode(client.refresh(600)!), 437);
  });

  it('443 for REQUESTED-ADDRESS-FAMILY of a family the allocation has no relay for', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    client.allocateOk();
    const answer = client.request(Method.Refresh, [{ type: Attr.RequestedAddressFamily, value: 'IPv6' }])!;
    assert.equal(errorCode(answer), 443);
  });
});

describe('allocation expiry (RFC 8656 §7.2: the time-to-expiry timer)', () => {
  it('ends exactly at its lifetime on the sweep, closing its relay', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const alloc = client.allocateOk();
    bench.advanceAndTick(600_000 - 1);
    assert.equal(client.allocation, alloc, 'alive a millisecond before');
    bench.advanceAndTick(1);
    assert.equal(client.allocation, undefined);
    assert.deepEqual(bench.driver.closed, [alloc]);
    assert.equal(bench.driver.eventsNamed('allocation-deleted')[0].why, 'expired');
    assert.equal(bench.core.counters.allocationsDeleted, 1);
  });

  it('after expiry the 5-tuple may allocate again', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const first = client.allocateOk();
    bench.advanceAndTick(600_000);
    const again = client.allocate()!;
    // The nonce is 600 s old by now: the client is told to retry with a fresh one.
    assert.equal(errorCode(again), 438);
    const second = client.allocateOk();
    assert.notEqual(second, first);
  });

  it('a clamped lifetime expires at the maximum, not at what was asked', () => {
    const bench = new TurnHarness({ core: { maxLifetime: 900 } });
    const client = bench.client();
    client.allocateOk([
      { type: Attr.RequestedTransport, value: 17 },
      { type: Attr.Lifetime, value: 5000 },
    ]);
    bench.advanceAndTick(900_000);
    assert.equal(client.allocation, undefined);
  });
});
