import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DataChunk } from '../../../src/sfu/sctp/chunks.ts';
import { DataReceiver } from '../../../src/sfu/sctp/reassembly.ts';

const T0 = 0xfffffff0; // near the wrap, so serial arithmetic is exercised

function chunk(tsn: number, o: Partial<DataChunk> = {}): DataChunk {
  return { type: 'data', unordered: false, beginning: true, ending: true, immediate: false, tsn: tsn >>> 0, streamId: 0, ssn: 0, ppid: 53, userData: Uint8Array.of(tsn & 0xff), ...o };
}

/** A message of `parts` fragments starting at `tsn`. */
function fragments(tsn: number, parts: number, o: Partial<DataChunk> = {}): DataChunk[] {
  return Array.from({ length: parts }, (_, k) => chunk(tsn + k, { beginning: k === 0, ending: k === parts - 1, userData: Uint8Array.of(k), ...o }));
}

test('gap ack blocks and duplicate TSNs are reported, duplicates once (RFC 9260 §3.3.4)', () => {
  const r = new DataReceiver(T0, { maxMessageSize: 1000, bufferSize: 10_000 });
  for (const off of [0, 2, 3, 5, 0]) r.receive(chunk(T0 + off, { ssn: off }));
  const s = r.sackFields();
  assert.equal(s.cumulativeTsnAck, T0);
  assert.deepEqual(s.gapBlocks, [{ start: 2, end: 3 }, { start: 5, end: 5 }]);
  assert.deepEqual(s.duplicateTsns, [T0]);
  assert.deepEqual(r.sackFields().duplicateTsns, []);
  r.receive(chunk(T0 + 1, { ssn: 1 }));
  assert.equal(r.sackFields().cumulativeTsnAck, (T0 + 3) >>> 0);
  assert.deepEqual(r.takeDelivered().map((m) => m.data[0]), [0xf0, 0xf1, 0xf2, 0xf3]);
});

test('fragments in any order make one message, ordered streams deliver by SSN, unordered at once', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 1e9 }), (n1, n2, seed) => {
      const r = new DataReceiver(T0, { maxMessageSize: 1000, bufferSize: 10_000 });
      const all = [...fragments(T0, n1, { ssn: 0 }), ...fragments(T0 + n1, n2, { ssn: 1 }), chunk(T0 + n1 + n2, { unordered: true, ppid: 99 })];
      let x = seed;
      for (let i = all.length - 1; i > 0; i--) {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        const j = x % (i + 1);
        [all[i], all[j]] = [all[j], all[i]];
      }
      const out = [];
      for (const c of all) {
        r.receive(c);
        out.push(...r.takeDelivered());
      }
      assert.deepEqual(out.filter((m) => !m.unordered).map((m) => m.data.length), [n1, n2]);
      assert.equal(out.length, 3);
      assert.equal(r.hasGaps(), false);
    }),
  );
});

test('a message over the size limit is dropped and counted; the stream goes on', () => {
  const r = new DataReceiver(T0, { maxMessageSize: 3, bufferSize: 10_000 });
  for (const c of [...fragments(T0, 5, { ssn: 0 }), chunk(T0 + 5, { ssn: 1 })]) r.receive(c);
  assert.equal(r.stats.oversizedMessages, 1);
  assert.deepEqual(r.takeDelivered().map((m) => m.data.length), [1]);
  assert.equal(r.arwnd(), 10_000);
});

test('FORWARD-TSN skips abandoned TSNs and SSNs and drops partial fragments (RFC 3758 §3.6)', () => {
  const r = new DataReceiver(T0, { maxMessageSize: 1000, bufferSize: 10_000 });
  // SSN 0 is lost entirely, SSN 1 arrives half, SSN 2 arrives whole
  r.receive(chunk(T0 + 2, { beginning: true, ending: false, ssn: 1 }));
  r.receive(chunk(T0 + 4, { ssn: 2 }));
  assert.deepEqual(r.takeDelivered(), []);
  r.forwardTsn(T0 + 3, [{ streamId: 0, ssn: 1 }]);
  assert.equal(r.cumulativeTsn, (T0 + 4) >>> 0);
  assert.deepEqual(r.takeDelivered().map((m) => m.data[0]), [(T0 + 4) & 0xff]);
  assert.equal(r.arwnd(), 10_000);
});

test('a full buffer refuses out-of-order chunks but always takes the next expected TSN', () => {
  const r = new DataReceiver(T0, { maxMessageSize: 100_000, bufferSize: 100 });
  const big = (tsn: number, o: Partial<DataChunk>) => chunk(tsn, { userData: new Uint8Array(60), ...o });
  assert.equal(r.receive(big(T0 + 1, { beginning: false, ending: false })), 'new');
  assert.equal(r.receive(big(T0 + 3, { beginning: false, ending: false })), 'dropped');
  assert.equal(r.receive(big(T0, { ending: false })), 'new');
  assert.equal(r.receive(big(T0 + 2, { beginning: false, ending: true })), 'new');
  assert.deepEqual(r.takeDelivered().map((m) => m.data.length), [180]);
});

test('fragments of a message whose tail will never come are dropped when the next message begins', () => {
  const r = new DataReceiver(T0, { maxMessageSize: 1000, bufferSize: 10_000 });
  r.receive(chunk(T0, { ending: false, unordered: true }));
  r.receive(chunk(T0 + 1, { beginning: false, ending: false, unordered: true }));
  assert.equal(r.arwnd(), 10_000 - 2);
  r.receive(chunk(T0 + 2, { unordered: true }));
  assert.equal(r.arwnd(), 10_000);
  assert.equal(r.takeDelivered().length, 1);
});
