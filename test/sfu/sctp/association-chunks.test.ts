/**
 * Chunks an established association answers on their own: HEARTBEAT (RFC 9260 §8.3) and chunk
 * types it does not know (§3.2), skipped or ending the packet and reported in an ERROR as their
 * type's high bits say.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePacket, encodePacket, type Chunk } from '../../../src/sfu/sctp/index.ts';
import { Link } from './link.ts';

const established = (l: Link) => () => l.a.state === 'established' && l.b.state === 'established';

/** An established pair, and `toB`: chunks handed to b in a packet from a (b's own tag on it), and what b answers. */
function establishedPair(): { l: Link; toB: (chunks: Chunk[]) => Chunk[] } {
  const l = new Link();
  l.a.connect(0);
  assert.ok(l.run(established(l)));
  const echo = l.sent.a.map((b) => decodePacket(b)).find((p) => p.ok && p.value.chunks[0].type === 'cookie-echo');
  assert.ok(echo?.ok);
  const tag = echo.value.verificationTag;
  const toB = (chunks: Chunk[]) => {
    l.b.handlePacket(encodePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: tag, chunks }), l.now);
    return l.b.pollTransmit(l.now).flatMap((b) => {
      const p = decodePacket(b);
      return p.ok ? p.value.chunks : [];
    });
  };
  return { l, toB };
}

test('a HEARTBEAT is answered with a HEARTBEAT-ACK carrying the same information', () => {
  const { toB } = establishedPair();
  const info = Uint8Array.of(9, 8, 7, 6, 5);
  const ack = toB([{ type: 'heartbeat', info }]).find((c) => c.type === 'heartbeat-ack');
  assert.deepEqual(ack, { type: 'heartbeat-ack', info });
});

test('unrecognized chunks (RFC 9260 §3.2): skipped or ending the packet by bit 0x80, reported in an ERROR by bit 0x40', () => {
  const { l, toB: sendB } = establishedPair();
  const info = Uint8Array.of(1, 2, 3, 4, 5);
  const heartbeat: Chunk = { type: 'heartbeat', info };
  // 0x3f: stop, no report; the HEARTBEAT after it is not processed
  let out = sendB([{ type: 'unknown', chunkType: 0x3f, flags: 0, value: Uint8Array.of(7) }, heartbeat]);
  assert.deepEqual(out, []);
  // 0xbf: skip, no report; the HEARTBEAT after it is answered
  out = sendB([{ type: 'unknown', chunkType: 0xbf, flags: 0, value: Uint8Array.of(7) }, heartbeat]);
  assert.deepEqual(out.map((c) => c.type), ['heartbeat-ack']);
  // 0x7f: stop and report the chunk whole (type, flags, length, value; no padding)
  out = sendB([{ type: 'unknown', chunkType: 0x7f, flags: 3, value: Uint8Array.of(7, 8) }, heartbeat]);
  assert.deepEqual(out, [{ type: 'error', causes: [{ code: 6, info: Uint8Array.of(0x7f, 3, 0, 6, 7, 8) }] }]);
  // 0xff: skip and report
  out = sendB([{ type: 'unknown', chunkType: 0xff, flags: 0, value: new Uint8Array(0) }, heartbeat]);
  assert.deepEqual(out.map((c) => c.type).sort(), ['error', 'heartbeat-ack']);
  assert.equal(l.b.counters().unrecognizedChunks, 4);
  assert.equal(l.b.state, 'established');
});
