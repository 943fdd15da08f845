/**
 * Unauthenticated-answer budgets per source IP: a burst, a sustained rate, and a much larger
 * budget for a source that authenticated lately (many clients behind one NAT), which runs out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceBudgets } from '../../src/turn/source-budgets.ts';

const options = { rate: 20, burst: 100, trustedRate: 1000, trustedMs: 300_000, maxSources: 3 };

function answered(b: SourceBudgets, ip: string, n: number, now: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (b.take(ip, now) === 'ok') ok++;
  return ok;
}

describe('SourceBudgets', () => {
  it('answers a burst at once, then the configured rate', () => {
    const b = new SourceBudgets(options);
    assert.equal(answered(b, '198.51.100.1', 1000, 0), 100);
    assert.equal(answered(b, '198.51.100.1', 1000, 1000), 20);
    assert.equal(answered(b, '198.51.100.1', 1000, 1500), 10);
  });

  it('gives a source that authenticated the larger budget, until its trust runs out', () => {
    const b = new SourceBudgets(options);
    assert.equal(answered(b, '198.51.100.2', 1000, 0), 100);
    b.trust('198.51.100.2', 10);
    assert.equal(answered(b, '198.51.100.2', 5000, 10), 1000);
    assert.ok(b.isTrusted('198.51.100.2', 300_009));
    assert.equal(b.isTrusted('198.51.100.2', 300_010), false);
    assert.equal(answered(b, '198.51.100.2', 1000, 300_010), 100, 'back to the unauthenticated budget');
  });

  it('never counts a source as trusted that did not authenticate itself', () => {
    const b = new SourceBudgets(options);
    b.trust('198.51.100.3', 0);
    assert.equal(b.isTrusted('198.51.100.4', 0), false);
    assert.equal(answered(b, '198.51.100.4', 1000, 0), 100);
  });

  it('tracks at most maxSources budgets, and forgets idle ones and expired trust on the sweep', () => {
    const b = new SourceBudgets(options);
    for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) b.take(ip, 0);
    assert.equal(b.take('192.0.2.4', 0), 'table-full');
    for (const ip of ['192.0.2.5', '192.0.2.6', '192.0.2.7', '192.0.2.8']) b.trust(ip, 0);
    assert.equal(b.trustedCount, 3, 'the oldest trust made room');
    b.sweep(10_000);
    assert.equal(b.size, 0);
    b.sweep(300_000);
    assert.equal(b.trustedCount, 0);
  });

  it('with rate 0 answers everything', () => {
    const b = new SourceBudgets({ ...options, rate: 0 });
    assert.equal(answered(b, '198.51.100.9', 10_000, 0), 10_000);
  });
});
