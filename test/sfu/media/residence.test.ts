/**
 * The residence histogram's reading (media/residence.ts): the media worker's counters in,
 * quantiles out, interpolated inside a bucket as PromQL's histogram_quantile does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { residenceOf, residenceQuantile, residenceSince, type ResidenceHistogram } from '../../../src/sfu/media/residence.ts';

const BOUNDS = [50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

function counters(counts: readonly number[], sumUs = 0): Record<string, number> {
  const c: Record<string, number> = { datagramsIn: 7, 'residence.sumUs': sumUs, 'residence.inf': counts[BOUNDS.length] ?? 0 };
  // the worker's order, shuffled: the reading sorts by bound, not by key order
  for (const [i, b] of [...BOUNDS.entries()].reverse()) c[`residence.le${b}us`] = counts[i] ?? 0;
  return c;
}

test('reads the buckets by their bound, the unbounded one last', () => {
  const h = residenceOf(counters([1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3], 123))!;
  assert.deepEqual(h.boundsUs, BOUNDS);
  assert.deepEqual(h.counts, [1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
  assert.equal(h.count, 6);
  assert.equal(h.sumUs, 123);
  assert.equal(residenceOf({ datagramsIn: 3 }), undefined, 'no residence counters: the stack path');
});

test('quantiles interpolate inside the bucket; the unbounded bucket gives the last bound', () => {
  const h = residenceOf(counters([0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))!;
  assert.equal(residenceQuantile(h, 0.5), 75, 'half way through (50, 100]');
  assert.equal(residenceQuantile(h, 1), 100);
  const tail = residenceOf(counters([99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))!;
  assert.equal(residenceQuantile(tail, 0.99), 50, 'the 99th of 100 is in the first bucket');
  assert.equal(residenceQuantile(tail, 1), 100000);
  assert.equal(residenceQuantile(residenceOf(counters([]))!, 0.5), undefined, 'empty');
  assert.equal(residenceQuantile(h, 0), undefined);
});

test('since: the difference of two readings', () => {
  const a = residenceOf(counters([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 100))!;
  const b = residenceOf(counters([4, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0], 900))!;
  const d = residenceSince(a, b);
  assert.deepEqual(d.counts.slice(0, 3), [3, 0, 2]);
  assert.equal(d.count, 5);
  assert.equal(d.sumUs, 800);
});

test('property: quantiles rise with q and stay within the bounds', () => {
  fc.assert(
    fc.property(fc.array(fc.nat(1000), { minLength: 12, maxLength: 12 }), fc.double({ min: 0.001, max: 1, noNaN: true }), fc.double({ min: 0.001, max: 1, noNaN: true }), (counts, q1, q2) => {
      const h: ResidenceHistogram = residenceOf(counters(counts))!;
      const [lo, hi] = q1 <= q2 ? [q1, q2] : [q2, q1];
      const a = residenceQuantile(h, lo), b = residenceQuantile(h, hi);
      if (h.count === 0) return a === undefined && b === undefined;
      return a !== undefined && b !== undefined && a <= b && a >= 0 && b <= 100000;
    }),
  );
});
