import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RtpMunger, seqDelta } from '../../../src/sfu/rtp/munger.ts';

const mk = () => new RtpMunger({ firstSeq: 1000, firstTimestamp: 50000, historySize: 64 });

test('a stream is renumbered from the chosen start, keeping real gaps', () => {
  const m = mk();
  assert.deepEqual(m.map(0, 65534, 10, 0, 90000), { seq: 1000, timestamp: 50000 });
  assert.deepEqual(m.map(0, 65535, 3010, 33, 90000), { seq: 1001, timestamp: 53000 });
  // the publisher lost seq 0: the subscriber sees the same hole, so it NACKs it
  assert.deepEqual(m.map(0, 1, 6010, 66, 90000), { seq: 1003, timestamp: 56000 });
  // the late packet arrives and lands in the hole
  assert.deepEqual(m.map(0, 0, 3010, 70, 90000), { seq: 1002, timestamp: 53000 });
});

test('packets dropped on purpose leave no hole', () => {
  const m = mk();
  m.map(0, 10, 0, 0, 90000);
  m.skip(0, 11);
  assert.equal(m.map(0, 12, 0, 1, 90000)!.seq, 1001);
  // a packet from before the skip can no longer be placed
  assert.equal(m.map(0, 10, 0, 2, 90000), undefined);
});

test('a switch of source continues the sequence and moves the timestamp by wall-clock time', () => {
  const m = mk();
  m.map(0, 100, 900000, 0, 90000);
  const a = m.map(1, 7000, 123, 100, 90000)!;
  assert.equal(a.seq, 1001);
  assert.equal(a.timestamp, (50000 + 9000) >>> 0);
  assert.equal(m.map(1, 7001, 3123, 133, 90000)!.timestamp, 62000);
  assert.equal(m.map(0, 101, 903000, 140, 90000)!.seq, 1003, 'switching back works the same way');
  assert.equal(m.source, 0);
});

test('sent packets can be looked up by outgoing sequence number for NACKs', () => {
  const m = mk();
  for (let i = 0; i < 100; i++) m.map(0, 500 + i, i * 960, i * 20, 48000);
  const r = m.lookup(1099)!;
  assert.deepEqual(r, { sourceSeq: 599, timestampOffset: (50000 - 0) >>> 0, source: 0 });
  assert.equal(m.lookup(1000), undefined, 'older than the history');
});

test('property: in-order input gives consecutive output across wrap-around', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 1, max: 300 }), (start, n) => {
      const m = mk();
      let prev: number | undefined;
      for (let i = 0; i < n; i++) {
        const out = m.map(0, (start + i) & 0xffff, i * 3000, i, 90000)!;
        if (prev !== undefined) assert.equal(seqDelta(prev, out.seq), 1);
        prev = out.seq;
      }
    }),
  );
});

test('a restart after a pause continues the numbering without a hole', () => {
  const m = mk();
  m.map(0, 10, 0, 0, 48000);
  m.restart();
  const out = m.map(0, 500, 480000, 10_000, 48000)!;
  assert.equal(out.seq, 1001);
  assert.equal(out.timestamp, 50000 + 480000);
});
