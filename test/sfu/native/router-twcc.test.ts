/**
 * Transport-wide feedback to publishers (native/src/sfu/router-twcc.c, twcc.c): the router notes
 * when each packet of a publisher's connection arrived, by its transport-wide sequence number,
 * and reports them every 100 ms in RTPFB FMT=15 messages that src/sfu/rtp/twcc.ts decodes (the
 * same format Chromium's send-side estimator reads). Skipped when the addon is not built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TwccFeedback } from '../../../src/sfu/rtp/twcc.ts';
import { RouterCodec, type RouterResultBatch } from '../../../src/sfu/native/router-spec.ts';
import { skip, EXT, PUB, rtp, text, vp8, rtcpOf, setup, type Setup } from './router-fixtures.ts';

const T0 = 5_000_000_000; // µs on the worker's clock: days after boot, far from 0

/** A video up-stream on the publisher's connection (transport-wide id EXT.twcc). */
function publisher(): Setup {
  const s = setup();
  assert.equal(s.a.routerUpAdd(s.r, 11, { conn: PUB, video: true, mid: 'v', codecOfPt: { 96: RouterCodec.vp8 }, clockRate: 90000, history: 32 }), 0);
  return s;
}

/** One packet numbered `tw` on the transport (padding-only probes carry the number too). */
function packet(tw: number, rtpSeq: number, padding = false): Buffer {
  const ext: [number, number[]][] = [[EXT.mid, text('v')], [EXT.twcc, [(tw >> 8) & 0xff, tw & 0xff]]];
  return padding ? rtp({ pt: 96, seq: rtpSeq, ts: 0, ssrc: 0xbbbb, ext, payload: [], pad: 40 }) : rtp({ pt: 96, seq: rtpSeq, ts: 3000 * rtpSeq, ssrc: 0xbbbb, ext, payload: [...vp8(rtpSeq === 0), rtpSeq & 0xff] });
}

/** The feedback messages to the publisher in a batch. */
function feedback(b: RouterResultBatch): TwccFeedback[] {
  const out: TwccFeedback[] = [];
  for (const o of b.out) {
    if (!o.rtcp || o.conn !== PUB) continue;
    for (const p of rtcpOf(o)) if (p.type === 'twcc') out.push(p.feedback);
  }
  return out;
}

/** Sequence number → arrival (ms after the first reported arrival), undefined = reported lost. */
function arrivals(fbs: readonly TwccFeedback[]): Map<number, number | undefined> {
  const m = new Map<number, number | undefined>();
  const first = fbs.flatMap((f) => f.packets).find((p) => p.arrivalMs !== undefined)?.arrivalMs ?? 0;
  for (const f of fbs) for (const p of f.packets) m.set(p.seq, p.arrivalMs === undefined ? undefined : p.arrivalMs - first);
  return m;
}

test('arrivals are reported every 100 ms: received with their times, gaps as lost, in order of number', { skip }, () => {
  const { a, r } = publisher();
  // 65534, 65535, 0, 2, 1 (reordered), 4, 4 again (duplicate): 3 is lost; the numbers wrap.
  const sends: [number, number][] = [
    [65534, 0],
    [65535, 1_000],
    [0, 2_250],
    [2, 9_000],
    [1, 9_500],
    [4, 70_000],
    [4, 71_000],
  ];
  let early: TwccFeedback[] = [];
  sends.forEach(([tw, at], i) => {
    early = early.concat(feedback(a.routerRtp(r, PUB, packet(tw, i), T0 + at)));
  });
  assert.deepEqual(early, [], 'nothing before the interval is up');
  assert.deepEqual(feedback(a.routerTick(r, T0 + 60_000, 0)), [], 'nor 60 ms after the first');
  const fbs = feedback(a.routerTick(r, T0 + 100_000, 0));
  assert.equal(fbs.length, 1);
  const [fb] = fbs;
  assert.equal(fb.sender, 0x5f0, "signed with the connection's RTCP SSRC");
  assert.equal(fb.media, 0xbbbb, "naming the connection's stream");
  assert.equal(fb.baseSeq, 65534);
  assert.equal(fb.feedbackCount, 0);
  const got = arrivals(fbs);
  assert.deepEqual([...got.keys()], [65534, 65535, 0, 1, 2, 3, 4], 'every number from the base to the newest');
  assert.deepEqual([...got.values()], [0, 1, 2.25, 9.5, 9, undefined, 70], 'arrival ms, to 250 µs; 3 lost; the duplicate keeps its first time');

  // Next interval: 5 and 6; a late 3 is not reported again (it was reported lost).
  a.routerRtp(r, PUB, packet(3, 10), T0 + 120_000);
  a.routerRtp(r, PUB, packet(6, 11), T0 + 130_000);
  a.routerRtp(r, PUB, packet(5, 12, true), T0 + 131_000);
  assert.deepEqual(feedback(a.routerTick(r, T0 + 150_000, 0)), [], '50 ms after the last message: not yet');
  const next = feedback(a.routerTick(r, T0 + 200_000, 0));
  assert.equal(next.length, 1);
  assert.equal(next[0].baseSeq, 5);
  assert.equal(next[0].feedbackCount, 1, 'the feedback count goes up by one a message');
  assert.deepEqual(
    next[0].packets.map((p) => p.seq),
    [5, 6],
  );
  assert.equal(next[0].packets[0].arrivalMs! - next[0].packets[1].arrivalMs!, 1, 'the padding probe, 1 ms after 6: a negative delta');
  assert.deepEqual(feedback(a.routerTick(r, T0 + 400_000, 0)), [], 'nothing new: nothing sent');
  const c = a.routerCounters(r);
  assert.equal(c.twccFeedback, 2);
  assert.equal(c.twccReported, 9);
});

test('a connection without the extension negotiated gets no feedback', { skip }, () => {
  const { a, r } = publisher();
  assert.equal(a.routerConnSet(r, PUB, { extMid: EXT.mid, rtcpSsrc: 0x5f0 }), 0);
  for (let i = 0; i < 20; i++) a.routerRtp(r, PUB, packet(i, i), T0 + i * 1000);
  assert.deepEqual(feedback(a.routerTick(r, T0 + 500_000, 0)), []);
  assert.equal(a.routerCounters(r).twccFeedback, 0);
});

test('half a window pending is reported at once, in messages of at most 1,200 bytes', { skip }, () => {
  const { a, r } = publisher();
  const fbs: TwccFeedback[] = [];
  const sizes: number[] = [];
  // 900 numbers in 45 ms, every third lost, neighbours swapped (negative deltas): no tick at all.
  const arrival = new Map<number, number>();
  for (let k = 0; k < 900; k++) {
    const i = k === 0 ? 0 : k % 2 === 1 ? k + 1 : k - 1;
    if (i % 3 === 2 || i >= 900) continue;
    arrival.set(1000 + i, k * 50);
    const b = a.routerRtp(r, PUB, packet(1000 + i, i), T0 + k * 50);
    for (const o of b.out) if (o.rtcp && o.conn === PUB) sizes.push(o.data.length);
    fbs.push(...feedback(b));
  }
  assert.ok(fbs.length >= 1, 'reported before any tick');
  assert.ok(Math.max(...sizes) <= 1200, `messages of ${sizes.join(', ')} bytes`);
  fbs.push(...feedback(a.routerTick(r, T0 + 1_000_000, 0)));
  const got = arrivals(fbs);
  const first = Math.min(...arrival.values());
  for (let i = 0; i < 899; i++) {
    const seq = 1000 + i;
    assert.ok(got.has(seq), `${seq} reported`);
    const sent = arrival.get(seq);
    if (sent === undefined) assert.equal(got.get(seq), undefined, `${seq} lost`);
    else assert.ok(Math.abs(got.get(seq)! - (sent - first) / 1000) <= 0.125 + 1e-9, `${seq} at ${got.get(seq)}, sent at ${(sent - first) / 1000}`);
  }
  assert.deepEqual(
    fbs.map((f) => f.feedbackCount),
    fbs.map((_, i) => i),
  );
});

test('packets more than 8 s apart go in separate messages (16-bit deltas)', { skip }, () => {
  const { a, r } = publisher();
  a.routerRtp(r, PUB, packet(10, 0), T0);
  a.routerRtp(r, PUB, packet(12, 1), T0 + 9_000_000);
  const fbs = feedback(a.routerTick(r, T0 + 9_000_000, 0));
  assert.equal(fbs.length, 2);
  assert.deepEqual(
    fbs.map((f) => f.packets.map((p) => [p.seq, p.arrivalMs !== undefined])),
    [[[10, true]], [[11, false], [12, true]]],
  );
  const [x, y] = fbs.map((f) => f.packets.at(-1)!.arrivalMs!);
  assert.equal(y - x, 9000);
});

test('property: any arrivals come back from the feedback, to the nearest 250 µs', { skip }, () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffff }),
      fc.array(fc.record({ lost: fc.boolean(), gapUs: fc.integer({ min: 0, max: 70_000 }) }), { minLength: 1, maxLength: 400 }),
      (base, steps) => {
        const { a, r } = publisher();
        const sent = new Map<number, number | undefined>();
        let at = 0;
        const fbs: TwccFeedback[] = [];
        steps.forEach((s, i) => {
          const seq = (base + i) & 0xffff;
          at += s.gapUs;
          if (s.lost && i > 0 && i < steps.length - 1) return void sent.set(seq, undefined);
          sent.set(seq, at);
          fbs.push(...feedback(a.routerRtp(r, PUB, packet(seq, i), T0 + at)));
        });
        fbs.push(...feedback(a.routerTick(r, T0 + at + 200_000, 0)));
        const got = arrivals(fbs);
        const first = [...sent.values()].find((v) => v !== undefined)!;
        assert.deepEqual([...got.keys()], [...sent.keys()]);
        for (const [seq, v] of sent) {
          const g = got.get(seq);
          if (v === undefined) assert.equal(g, undefined);
          else assert.ok(g !== undefined && Math.abs(g - (v - first) / 1000) <= 0.25, `${seq}: ${g} ms, sent at ${(v - first) / 1000}`);
        }
      },
    ),
    { numRuns: 150 },
  );
});
