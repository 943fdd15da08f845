import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataSender } from '../../../src/sfu/sctp/retransmit.ts';
import { RtoEstimator } from '../../../src/sfu/sctp/rto.ts';
import { decodeChunkValue } from '../../../src/sfu/sctp/chunks.ts';

const MTU = 1191;
const TSN = 1000;

function sender(partialReliability = true): DataSender {
  return new DataSender({ initialTsn: TSN, peerArwnd: 1 << 20, mtu: MTU, rto: { initialMs: 1000, minMs: 200, maxMs: 60000 }, partialReliability });
}

const tsns = (chunks: Uint8Array[]): number[] =>
  chunks.map((b) => {
    const d = decodeChunkValue(b[0], b[1], b.subarray(4, (b[2] << 8) | b[3]));
    assert.ok(d.ok && d.value.type === 'data');
    return d.value.tsn;
  });

const sack = (cum: number, gaps: [number, number][] = []) => ({ type: 'sack' as const, cumulativeTsnAck: cum, arwnd: 1 << 20, gapBlocks: gaps.map(([start, end]) => ({ start, end })), duplicateTsns: [] });

test('RTO follows RFC 9260 §6.3.1 and is clamped', () => {
  const r = new RtoEstimator({ initialMs: 1000, minMs: 200, maxMs: 60000 });
  assert.equal(r.rto, 1000);
  r.measure(100);
  assert.equal(r.rto, 300); // SRTT 100 + 4 × RTTVAR 50
  r.measure(100);
  assert.equal(r.rto, 250); // RTTVAR 37.5
  for (let i = 0; i < 50; i++) r.measure(10);
  assert.equal(r.rto, 200);
  for (let i = 0; i < 20; i++) r.backOff();
  assert.equal(r.rto, 60000);
});

test('the initial window limits new data until SACKs open it', () => {
  const s = sender();
  for (let k = 0; k < 20; k++) s.enqueue(0, 53, new Uint8Array(1100), {}, 0);
  const sent = [];
  for (let k = 0; k < 10; k++) sent.push(...s.pull(0, MTU - 12));
  assert.equal(sent.length, 4); // cwnd min(4 MTU, max(2 MTU, 4380)) = 4380: four chunks outstanding
  s.onSack(sack(TSN + 3), 10);
  assert.ok(s.cc.cwnd > 4380);
  assert.equal(s.rto.smoothedRtt, 10);
});

test('three miss reports trigger one fast retransmit and halve cwnd (RFC 9260 §7.2.4)', () => {
  const s = sender();
  for (let k = 0; k < 6; k++) s.enqueue(0, 53, new Uint8Array(500), {}, 0);
  assert.deepEqual(tsns(s.pull(0, MTU - 12)), [TSN, TSN + 1]);
  assert.deepEqual(tsns(s.pull(0, MTU - 12)), [TSN + 2, TSN + 3]);
  const cwnd = s.cc.cwnd;
  // gap offsets count from the cumulative TSN ack: 3 is TSN + 2
  s.onSack(sack(TSN - 1, [[3, 3]]), 5);
  s.onSack(sack(TSN - 1, [[3, 4]]), 6);
  assert.deepEqual(tsns(s.pull(6, MTU - 12)), [TSN + 4, TSN + 5]);
  assert.equal(s.stats.fastRetransmits, 0);
  s.onSack(sack(TSN - 1, [[3, 6]]), 7);
  assert.equal(s.stats.fastRetransmits, 1);
  assert.deepEqual(tsns(s.pull(7, MTU - 12)), [TSN, TSN + 1]);
  assert.equal(s.cc.cwnd, Math.max(Math.floor(cwnd / 2), 4 * MTU));
  assert.equal(s.stats.retransmissions, 2);
});

test('T3 expiry retransmits, backs off and collapses cwnd to one MTU (RFC 9260 §6.3.3)', () => {
  const s = sender();
  s.enqueue(0, 53, new Uint8Array(2000), {}, 0);
  assert.equal(s.pull(0, MTU - 12).length, 1);
  assert.equal(s.pull(0, MTU - 12).length, 1);
  assert.equal(s.t3Deadline, 1000);
  s.onT3(1000);
  assert.equal(s.cc.cwnd, MTU);
  assert.equal(s.rto.rto, 2000);
  assert.equal(s.t3Deadline, 3000);
  assert.deepEqual(tsns(s.pull(1000, MTU - 12)), [TSN]);
});

test('a message past its retransmission budget is abandoned and FORWARD-TSN names its SSN', () => {
  const s = sender();
  s.enqueue(3, 53, new Uint8Array(10), { maxRetransmits: 1 }, 0);
  s.enqueue(3, 53, new Uint8Array(10), {}, 0);
  assert.equal(s.pull(0, MTU - 12).length, 2);
  s.onSack(sack(TSN - 1, [[2, 2]]), 5);
  s.onT3(1000);
  assert.deepEqual(tsns(s.pull(1000, MTU - 12)), [TSN]);
  s.onT3(3000);
  assert.equal(s.stats.abandonedMessages, 1);
  assert.deepEqual(s.takeForwardTsn(), { type: 'forward-tsn', newCumulativeTsn: TSN, streams: [{ streamId: 3, ssn: 0 }] });
  s.onSack(sack(TSN + 1), 3010);
  assert.equal(s.idle(), true);
  assert.equal(s.t3Deadline, undefined);
});

test('without FORWARD-TSN support nothing is abandoned', () => {
  const s = sender(false);
  s.enqueue(3, 53, new Uint8Array(10), { maxRetransmits: 0 }, 0);
  s.pull(0, MTU - 12);
  s.onT3(1000);
  assert.equal(s.stats.abandonedMessages, 0);
  assert.equal(s.pull(1000, MTU - 12).length, 1);
});

test('abandoning a message half sent reserves one TSN for its unsent tail, so FORWARD-TSN passes its end', () => {
  const s = sender();
  s.enqueue(0, 53, new Uint8Array(3000), { maxRetransmits: 0 }, 0);
  assert.deepEqual(tsns(s.pull(0, MTU - 12)), [TSN]);
  s.onT3(1000);
  assert.equal(s.stats.abandonedMessages, 1);
  assert.deepEqual(s.takeForwardTsn(), { type: 'forward-tsn', newCumulativeTsn: TSN + 1, streams: [{ streamId: 0, ssn: 0 }] });
  assert.equal(s.nextTsn, TSN + 2);
  assert.equal(s.queuedBytes(), 0);
});
