/**
 * The delay-based and loss-based estimators (draft-ietf-rmcat-gcc-02 §5, §6) fed synthetic
 * transport-wide feedback: a sender paces packets at a rate, a simulated bottleneck queues them,
 * and feedback every 100 ms reports arrivals. All times in ms, no clocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SubscriberEstimator } from '../../src/sfu/bwe/estimator.ts';
import { LossBasedEstimator } from '../../src/sfu/bwe/loss-based.ts';
import { buildTwcc, parseTwcc } from '../../src/sfu/rtp/twcc.ts';

/**
 * Sends `sendBps` (1200-byte packets) for `ms` through a bottleneck of `linkBps` with a queue
 * (tail drop past `queueMs`), and a random loss; returns the estimator's estimate every second.
 */
function simulate(e: SubscriberEstimator, o: { from: number; ms: number; sendBps: (estimate: number) => number; linkBps: number; queueMs?: number; loss?: number; seq: { n: number }; linkFree: { at: number } }): number[] {
  const size = 1200;
  const out: number[] = [];
  let pending: { seq: number; arrival: number | undefined }[] = [];
  let nextFeedback = o.from + 100;
  let nextSample = o.from + 1000;
  let fbCount = 0;
  let rand = 12345;
  const random = () => ((rand = (rand * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let t = o.from; t < o.from + o.ms; ) {
    const rate = o.sendBps(e.bps ?? 1_000_000);
    const seq = o.seq.n++ & 0xffff;
    e.onSent(seq, size, t);
    const serialize = (size * 8 * 1000) / o.linkBps;
    const start = Math.max(t, o.linkFree.at);
    let arrival: number | undefined = start + serialize + 20;
    if (start - t > (o.queueMs ?? 400) || random() < (o.loss ?? 0)) arrival = undefined;
    else o.linkFree.at = start + serialize;
    pending.push({ seq, arrival });
    t += (size * 8 * 1000) / rate;
    while (t >= nextFeedback) {
      const due = pending.filter((p) => p.arrival === undefined || p.arrival <= nextFeedback);
      if (due.length > 0) {
        const base = due[0].seq;
        const arrivals = due.map((p) => p.arrival);
        const count = due.length;
        const fb = parseTwcc(buildTwcc(1, 2, base, fbCount++, arrivals));
        if (fb.ok) e.onTwcc(fb.value, nextFeedback);
        pending = pending.slice(count);
      }
      nextFeedback += 100;
    }
    while (t >= nextSample) {
      out.push(e.bps ?? 0);
      nextSample += 1000;
    }
  }
  return out;
}

test('no feedback, no estimate; REMB is taken as it is', () => {
  const e = new SubscriberEstimator();
  assert.equal(e.bps, undefined);
  assert.equal(e.source, 'none');
  e.onRemb(250_000);
  assert.equal(e.bps, 250_000);
  assert.equal(e.source, 'remb');
});

test('a sender at 2 Mbit/s into a 500 kbit/s bottleneck is brought below it, then probes back up without overshooting', () => {
  const e = new SubscriberEstimator();
  const seq = { n: 0 };
  const linkFree = { at: 0 };
  // Send at whatever the estimate says (as the SFU would), starting at 2 Mbit/s.
  let first = true;
  const samples = simulate(e, { from: 0, ms: 20_000, sendBps: (est) => (first ? ((first = false), 2_000_000) : Math.max(100_000, est)), linkBps: 500_000, seq, linkFree });
  const trace = samples.map((x) => Math.round(x / 1000)).join(' ');
  assert.equal(e.source, 'twcc');
  const min = Math.min(...samples);
  assert.ok(min < 500_000, `brought below the bottleneck: ${trace}`);
  assert.ok(samples.at(-1)! > min, `climbs back after the queue drained: ${trace}`);
  for (const s of samples.slice(-5)) assert.ok(s < 700_000, `never far above the bottleneck: ${trace}`);
});

test('delay-based: with room to spare the estimate grows', () => {
  const e = new SubscriberEstimator();
  const samples = simulate(e, { from: 0, ms: 10_000, sendBps: (est) => est, linkBps: 20_000_000, seq: { n: 0 }, linkFree: { at: 0 } });
  assert.ok(samples.at(-1)! > 1_300_000, `grew from 1 Mbit/s: ${samples.map((x) => Math.round(x / 1000)).join(' ')}`);
});

test('loss-based: >10 % loss cuts, <2 % grows, in between holds', () => {
  const l = new LossBasedEstimator(1_000_000);
  l.onFeedback(80, 20, undefined, 0);
  assert.equal(l.bps, 900_000, '20 % loss: ×(1 − 0.1)');
  l.onFeedback(95, 5, undefined, 300);
  assert.equal(l.bps, 900_000, '5 % loss holds');
  l.onFeedback(100, 0, undefined, 600);
  assert.equal(Math.round(l.bps), 945_000, 'no loss: +5 %');
  l.onFeedback(10, 0, undefined, 900);
  assert.equal(Math.round(l.bps), 945_000, 'too few packets to judge yet');
  l.onFeedback(100, 0, 100_000, 1200);
  assert.equal(Math.round(l.bps), 945_000, 'growth is bounded by what got through');
});

test('loss-based inside the estimator: 30 % random loss on a wide link brings the estimate down', () => {
  const e = new SubscriberEstimator();
  const samples = simulate(e, { from: 0, ms: 12_000, sendBps: () => 1_000_000, linkBps: 50_000_000, loss: 0.3, seq: { n: 0 }, linkFree: { at: 0 } });
  assert.ok(samples.at(-1)! < 300_000, `estimate under loss: ${samples.map((x) => Math.round(x / 1000)).join(' ')}`);
});

test('duplicate feedback (same feedback count) is ignored; packets not sent by us are ignored', () => {
  const e = new SubscriberEstimator();
  const fb = parseTwcc(buildTwcc(1, 2, 500, 3, [10, 11]));
  assert.ok(fb.ok);
  e.onTwcc(fb.value, 100);
  assert.equal(e.source, 'none', 'sequence numbers never sent');
  e.onSent(500, 1000, 0);
  e.onSent(501, 1000, 1);
  e.onTwcc(fb.value, 100);
  assert.equal(e.source, 'none', 'same feedback count as before');
  const fb2 = parseTwcc(buildTwcc(1, 2, 500, 4, [10, 11]));
  assert.ok(fb2.ok);
  e.onTwcc(fb2.value, 100);
  assert.equal(e.source, 'twcc');
});
