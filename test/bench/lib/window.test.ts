import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { estimateWindow, middleOf, receivedAt, unionWindow, type ProgressSample } from '../../../bench/lib/window.ts';

const report = (at: number, sent: number, received = sent): ProgressSample => ({ at, sent, received });

describe('estimateWindow', () => {
  it('extrapolates the start and end from the steady rate between once-a-second reports', () => {
    // 1,000 messages/s from t=1500 ms to t=5500 ms, reported at whole seconds.
    const samples = [0, 1000, 2000, 3000, 4000, 5000, 6000].map((at) => report(at, Math.max(0, Math.min(4000, at - 1500))));
    const w = estimateWindow(samples, 4000);
    assert.ok(w);
    assert.equal(Math.round(w.start), 1500);
    assert.equal(Math.round(w.end), 5500);
  });

  it('falls back to last-zero..first-full when too few reports fall inside the run', () => {
    const w = estimateWindow([report(0, 0), report(1000, 500), report(2000, 800)], 800);
    assert.deepEqual(w, { start: 0, end: 2000 });
  });

  it('has no window when nothing was sent', () => {
    assert.equal(estimateWindow([report(0, 0)], 0), undefined);
    assert.equal(estimateWindow([], 10), undefined);
  });

  it('covers every report made mid-run, and never spans a report of 0 or of the total', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 50_000 }), (steps, total) => {
        let sent = 0;
        const samples = steps.map((s, i) => report(i * 1000, (sent = Math.min(total, sent + s))));
        samples.push(report(samples.length * 1000, total));
        const w = estimateWindow(samples, total);
        assert.ok(w);
        assert.ok(w.end > w.start);
        for (const s of samples) {
          if (s.sent > 0 && s.sent < total) assert.ok(w.start <= s.at && s.at <= w.end);
          if (s.sent === 0) assert.ok(s.at <= w.start);
        }
        const firstFull = samples.find((s) => s.sent === total);
        assert.ok(firstFull && w.end <= Math.max(firstFull.at, w.start + 1));
      }),
    );
  });
});

describe('unionWindow and middleOf', () => {
  it('spans every window', () => {
    assert.deepEqual(unionWindow([{ start: 5, end: 9 }, { start: 2, end: 7 }]), { start: 2, end: 9 });
    assert.equal(unionWindow([]), undefined);
  });

  it('keeps the centred middle of a window', () => {
    assert.deepEqual(middleOf({ start: 1000, end: 5000 }), { start: 2000, end: 4000 });
    assert.deepEqual(middleOf({ start: 0, end: 1000 }, 0.75), { start: 125, end: 875 });
  });
});

describe('receivedAt', () => {
  const samples = [report(1000, 10, 0), report(2000, 110, 100), report(3000, 310, 300)];

  it('interpolates between reports', () => {
    assert.equal(receivedAt(samples, 1500, 400), 50);
    assert.equal(receivedAt(samples, 2750, 400), 250);
    assert.equal(receivedAt(samples, 2000, 400), 100);
  });

  it('is 0 before the first report and the total after the last', () => {
    assert.equal(receivedAt(samples, 500, 400), 0);
    assert.equal(receivedAt(samples, 9000, 400), 400);
  });
});
