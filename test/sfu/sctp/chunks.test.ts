import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Chunk, decodeChunkValue, encodeChunk } from '../../../src/sfu/sctp/chunks.ts';
import { decodePacket, encodePacket } from '../../../src/sfu/sctp/packet.ts';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const nz32 = fc.integer({ min: 1, max: 0xffffffff });
const nz16 = fc.integer({ min: 1, max: 0xffff });
const bytes = (min = 0, max = 40) => fc.uint8Array({ minLength: min, maxLength: max });
const causes = fc.array(fc.record({ code: u16, info: bytes() }), { maxLength: 3 });
const otherParam = fc.record({ type: fc.integer({ min: 0x9000, max: 0xbfff }), value: bytes() });

const initParams = (cookie: boolean) =>
  fc.record({
    stateCookie: cookie ? bytes(1) : fc.constant(undefined),
    forwardTsnSupported: fc.boolean(),
    supportedExtensions: fc.option(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }), { nil: undefined }),
    other: fc.array(otherParam, { maxLength: 2 }),
  });

const reconfigParam = fc.oneof(
  fc.record({ kind: fc.constant('outgoing-reset' as const), requestSeq: u32, responseSeq: u32, lastTsn: u32, streams: fc.array(u16, { maxLength: 5 }) }),
  fc.record({ kind: fc.constant('incoming-reset' as const), requestSeq: u32, streams: fc.array(u16, { maxLength: 5 }) }),
  fc.record({ kind: fc.constant('ssn-tsn-reset' as const), requestSeq: u32 }),
  fc.record({ kind: fc.constant('response' as const), responseSeq: u32, result: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ kind: fc.constant('response' as const), responseSeq: u32, result: u32, senderNextTsn: u32, receiverNextTsn: u32 }),
  fc.record({ kind: fc.constant('add-outgoing-streams' as const), requestSeq: u32, count: u16 }),
);

const chunk: fc.Arbitrary<Chunk> = fc.oneof(
  fc.record({ type: fc.constant('data' as const), unordered: fc.boolean(), beginning: fc.boolean(), ending: fc.boolean(), immediate: fc.boolean(), tsn: u32, streamId: u16, ssn: u16, ppid: u32, userData: bytes(1) }),
  fc.record({ type: fc.constantFrom('init' as const), initiateTag: nz32, arwnd: u32, outboundStreams: nz16, inboundStreams: nz16, initialTsn: u32, params: initParams(false) }),
  fc.record({ type: fc.constantFrom('init-ack' as const), initiateTag: nz32, arwnd: u32, outboundStreams: nz16, inboundStreams: nz16, initialTsn: u32, params: initParams(true) }),
  fc.record({ type: fc.constant('sack' as const), cumulativeTsnAck: u32, arwnd: u32, gapBlocks: fc.array(fc.record({ start: u16, end: u16 }), { maxLength: 5 }), duplicateTsns: fc.array(u32, { maxLength: 5 }) }),
  fc.record({ type: fc.constantFrom('heartbeat' as const, 'heartbeat-ack' as const), info: bytes() }),
  fc.record({ type: fc.constant('abort' as const), reflected: fc.boolean(), causes }),
  fc.record({ type: fc.constant('error' as const), causes }),
  fc.record({ type: fc.constant('shutdown' as const), cumulativeTsnAck: u32 }),
  fc.constant({ type: 'shutdown-ack' as const }),
  fc.constant({ type: 'cookie-ack' as const }),
  fc.record({ type: fc.constant('shutdown-complete' as const), reflected: fc.boolean() }),
  fc.record({ type: fc.constant('cookie-echo' as const), cookie: bytes(1) }),
  fc.record({ type: fc.constant('forward-tsn' as const), newCumulativeTsn: u32, streams: fc.array(fc.record({ streamId: u16, ssn: u16 }), { maxLength: 4 }) }),
  fc.record({ type: fc.constant('reconfig' as const), params: fc.array(reconfigParam, { minLength: 1, maxLength: 2 }) }),
  fc.record({ type: fc.constant('unknown' as const), chunkType: fc.integer({ min: 0x40, max: 0x7f }), flags: fc.integer({ min: 0, max: 255 }), value: bytes() }),
);

/** fast-check builds optional keys as present-but-undefined; the codec leaves them out. */
const normal = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v) => (v instanceof Uint8Array ? [...v] : v)));

test('every chunk type survives encode then decode', () => {
  fc.assert(
    fc.property(chunk, (c) => {
      const enc = encodeChunk(c);
      assert.equal(enc.length % 4, 0);
      const len = (enc[2] << 8) | enc[3];
      const d = decodeChunkValue(enc[0], enc[1], enc.subarray(4, len));
      assert.ok(d.ok, d.ok ? '' : d.reason);
      assert.deepEqual(normal(d.value), normal(c));
    }),
    { numRuns: 2000 },
  );
});

test('packets with bundled chunks survive encode then decode, checksum included', () => {
  fc.assert(
    fc.property(u16, u16, u32, fc.array(chunk, { minLength: 1, maxLength: 4 }), (sourcePort, destinationPort, verificationTag, chunks) => {
      const p = { sourcePort, destinationPort, verificationTag, chunks };
      const d = decodePacket(encodePacket(p));
      assert.ok(d.ok);
      assert.deepEqual(normal(d.value), normal(p));
    }),
    { numRuns: 500 },
  );
});

test('the decoder never throws on random bytes, nor on mutated valid packets', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      const d = decodePacket(b, { skipChecksum: true });
      assert.equal(typeof d.ok, 'boolean');
      if (!d.ok) assert.ok(d.reason.length > 0);
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.array(chunk, { minLength: 1, maxLength: 3 }), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (chunks, at, value, cut) => {
      const b = encodePacket({ sourcePort: 1, destinationPort: 2, verificationTag: 3, chunks });
      b[12 + (at % (b.length - 12))] = value;
      decodePacket(b.subarray(0, Math.max(12, b.length - (cut % 8))), { skipChecksum: true });
    }),
    { numRuns: 2000 },
  );
  for (let t = 0; t < 256; t++) for (let n = 0; n < 24; n++) decodeChunkValue(t, 0xff, new Uint8Array(n).fill(0xff));
});

test('each invalid twin of a valid chunk is refused with a reason', () => {
  const data: Chunk = { type: 'data', unordered: false, beginning: true, ending: true, immediate: false, tsn: 1, streamId: 0, ssn: 0, ppid: 51, userData: Uint8Array.of(1) };
  const enc = encodeChunk(data);
  assert.ok(decodeChunkValue(0, 3, enc.subarray(4, 17)).ok);
  assert.equal(decodeChunkValue(0, 3, enc.subarray(4, 16)).ok, false); // no user data
  const init = encodeChunk({ type: 'init', initiateTag: 5, arwnd: 1, outboundStreams: 1, inboundStreams: 1, initialTsn: 1, params: { forwardTsnSupported: true, other: [] } });
  assert.ok(decodeChunkValue(1, 0, init.subarray(4)).ok);
  const zeroTag = init.slice(4);
  zeroTag.fill(0, 0, 4);
  assert.equal(decodeChunkValue(1, 0, zeroTag).ok, false);
  assert.equal(decodeChunkValue(2, 0, init.subarray(4)).ok, false); // INIT-ACK without a cookie
  const sack = encodeChunk({ type: 'sack', cumulativeTsnAck: 1, arwnd: 1, gapBlocks: [{ start: 2, end: 3 }], duplicateTsns: [] });
  assert.ok(decodeChunkValue(3, 0, sack.subarray(4)).ok);
  assert.equal(decodeChunkValue(3, 0, sack.subarray(4, 12)).ok, false); // counts say one gap block
  const packet = encodePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: 1, chunks: [data] });
  assert.ok(decodePacket(packet).ok);
  packet[16 + 4] ^= 0x80;
  const bad = decodePacket(packet);
  assert.equal(bad.ok, false);
  assert.ok(!bad.ok && 'badChecksum' in bad);
});
