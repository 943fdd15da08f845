import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketBuffer } from '../../../src/sfu/rtp/packet-buffer.ts';
import { ReceiveStats } from '../../../src/sfu/rtp/receive-stats.ts';

test('keeps the last N packets by sequence number, across wrap-around', () => {
  const b = new PacketBuffer(500);
  assert.equal(b.capacity, 512);
  for (let i = 0; i < 600; i++) b.put((65300 + i) & 0xffff, Uint8Array.of(i & 0xff, 1));
  assert.equal(b.get(65300), undefined, 'overwritten');
  assert.deepEqual([...b.get((65300 + 599) & 0xffff)!], [599 & 0xff, 1]);
  assert.deepEqual([...b.get((65300 + 100) & 0xffff)!], [100, 1]);
  assert.equal(b.put(5, new Uint8Array(2000)), false, 'too big to keep');
});

test('loss → NACK list, paced and bounded; late arrivals are struck off', () => {
  const s = new ReceiveStats(90000, { delayMs: 5, retryMs: 100, maxTries: 2, maxAgeMs: 1000, maxGap: 200 });
  s.onPacket(10, 0, 100, 0);
  s.onPacket(14, 0, 100, 1);
  assert.deepEqual(s.nackList(2), [], 'too early: could be reordering');
  assert.deepEqual(s.nackList(10), [11, 12, 13]);
  assert.deepEqual(s.nackList(20), [], 'retry not due');
  s.onPacket(12, 0, 100, 30);
  assert.deepEqual(s.nackList(120), [11, 13]);
  assert.deepEqual(s.nackList(300), [], 'max tries reached');
});

test('receiver report: highest seq with cycles, fraction and cumulative loss (RFC 3550 A.3)', () => {
  const s = new ReceiveStats(48000);
  for (let i = 0; i < 100; i++) if (i % 10 !== 5) s.onPacket((65500 + i) & 0xffff, i * 960, 100, i * 20);
  const r = s.reportBlock(42, 2000)!;
  assert.equal(r.ssrc, 42);
  assert.equal(r.highestSeq, 65500 + 99);
  assert.equal(r.cumulativeLost, 10);
  assert.equal(r.fractionLost, Math.floor((10 << 8) / 100));
  const again = s.reportBlock(42, 3000)!;
  assert.equal(again.fractionLost, 0, 'nothing new since the last report');
});
