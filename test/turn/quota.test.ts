/**
 * Quotas (coturn's `user-quota` and `total-quota`; RFC 8656 §7.2 answers 486 Allocation
 * Quota Reached): counted from the moment an Allocate passes its checks, and given back at
 * once when the allocation ends or its relay cannot be opened.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorCode, TurnHarness } from '../helpers/turn-harness.ts';
import { decodeOk } from '../stun/helpers.ts';

describe('user-quota and total-quota (486)', () => {
  it('refuses a user\'s allocation beyond user-quota with a signed 486; other users go on', () => {
    const bench = new TurnHarness({ core: { userQuota: 2 } });
    bench.client().allocateOk();
    bench.client().allocateOk();
    const third = bench.client();
    const answer = third.allocate()!;
    assert.equal(errorCode(answer), 486);
    assert.ok(third.verifies(answer));
    assert.equal(bench.core.perUser.get('alice'), 2, 'the refused request counts nothing');
    assert.equal(bench.driver.eventsNamed('quota-exceeded').length, 1);
    bench.client({ user: 'bob', password: 'hunter2' }).allocateOk();
  });

  it('lets the refused client allocate as soon as one of the user\'s allocations ends', () => {
    const bench = new TurnHarness({ core: { userQuota: 1 } });
    const first = bench.client();
    first.allocateOk();
    const second = bench.client();
    assert.equal(errorCode(second.allocate()!), 486);
    first.refresh(0);
    second.allocateOk();
  });

  it('refuses any allocation beyond total-quota, whoever asks', () => {
    const bench = new TurnHarness({ core: { totalQuota: 2 } });
    bench.client().allocateOk();
    bench.client({ user: 'bob', password: 'hunter2' }).allocateOk();
    const late = bench.client({ user: 'bob', password: 'hunter2' });
    assert.equal(errorCode(late.allocate()!), 486);
    assert.equal(bench.core.allocationCount, 2);
  });

  it('gives the quota back when an allocation expires', () => {
    const bench = new TurnHarness({ core: { totalQuota: 1 }, staleNonceSeconds: 3600 });
    bench.client().allocateOk();
    const next = bench.client();
    assert.equal(errorCode(next.allocate()!), 486);
    bench.advanceAndTick(600_000);
    next.allocateOk();
  });

  it('counts an allocation whose relay is still opening', () => {
    const bench = new TurnHarness({ core: { totalQuota: 1 } });
    bench.driver.mode = 'manual';
    bench.client().allocate();
    assert.equal(errorCode(bench.client().allocate()!), 486);
  });
});

describe('a refused Allocate gives its quota back at once', () => {
  for (const code of [508, 440] as const) {
    it(`${code} from relaysFailed: the client is told, the quota is free, the next Allocate succeeds`, () => {
      const bench = new TurnHarness({ core: { userQuota: 1, totalQuota: 1 } });
      bench.driver.mode = 'manual';
      const unlucky = bench.client();
      unlucky.allocate();
      const [{ allocation }] = bench.driver.pending;
      bench.core.relaysFailed(allocation, code, bench.now);
      const [bytes] = unlucky.inbox();
      assert.equal(errorCode(decodeOk(bytes)), code);
      assert.equal(bench.core.allocationCount, 0);
      assert.equal(bench.core.perUser.size, 0);
      assert.equal(unlucky.allocation, undefined);
      bench.driver.mode = 'auto';
      bench.client().allocateOk();
    });
  }

  it('the 5-tuple whose relay failed may try again', () => {
    const bench = new TurnHarness();
    bench.driver.mode = 'manual';
    const client = bench.client();
    client.allocate();
    bench.core.relaysFailed(bench.driver.pending[0].allocation, 508, bench.now);
    bench.driver.mode = 'auto';
    client.allocateOk();
  });
});
