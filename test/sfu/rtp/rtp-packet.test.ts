import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRtp, isRtcp, writeRtpIds, readExtensions, remapExtensions, readAudioLevel, findExtension } from '../../../src/sfu/rtp/rtp-packet.ts';

/** Builds an RTP packet with one-byte extensions {id: bytes}. */
export function rtp(opts: { pt?: number; seq?: number; ts?: number; ssrc?: number; ext?: [number, number[]][]; payload?: number[]; pad?: number; twoByte?: boolean }): Uint8Array {
  const ext = opts.ext ?? [];
  const body: number[] = [];
  for (const [id, data] of ext) {
    if (opts.twoByte) body.push(id, data.length, ...data);
    else body.push((id << 4) | (data.length - 1), ...data);
  }
  while (body.length % 4) body.push(0);
  const extBlock = ext.length ? [opts.twoByte ? 0x10 : 0xbe, opts.twoByte ? 0x00 : 0xde, 0, body.length / 4, ...body] : [];
  const payload = opts.payload ?? [1, 2, 3];
  const pad = opts.pad ?? 0;
  const b = new Uint8Array(12 + extBlock.length + payload.length + pad);
  b[0] = 0x80 | (ext.length ? 0x10 : 0) | (pad ? 0x20 : 0);
  b[1] = opts.pt ?? 96;
  writeRtpIds(b, opts.seq ?? 1, opts.ts ?? 1000, opts.ssrc ?? 0x11223344);
  b.set(extBlock, 12);
  b.set(payload, 12 + extBlock.length);
  if (pad) b[b.length - 1] = pad;
  return b;
}

test('parses the fixed header, extension block and padding (RFC 3550 §5.1)', () => {
  const b = rtp({ pt: 111, seq: 65535, ts: 0xfffffff0, ssrc: 0xdeadbeef, ext: [[1, [0x85]]], payload: [9, 9], pad: 2 });
  const r = parseRtp(b);
  assert.ok(r.ok);
  assert.equal(r.rtp.payloadType, 111);
  assert.equal(r.rtp.sequenceNumber, 65535);
  assert.equal(r.rtp.timestamp, 0xfffffff0);
  assert.equal(r.rtp.ssrc, 0xdeadbeef);
  assert.equal(r.rtp.extensionOffset, 12);
  assert.deepEqual([...b.subarray(r.rtp.payloadOffset, r.rtp.payloadEnd)], [9, 9]);
  assert.deepEqual(readAudioLevel(b, findExtension(b, r.rtp, 1)!), { voice: true, level: 5 });
});

test('rejects truncated and malformed packets with a reason', () => {
  assert.match((parseRtp(new Uint8Array(5)) as any).reason, /shorter/);
  const v1 = rtp({});
  v1[0] = 0x40;
  assert.match((parseRtp(v1) as any).reason, /version/);
  const cut = rtp({ ext: [[1, [1, 2, 3, 4]]] }).subarray(0, 16);
  assert.equal(parseRtp(cut).ok, false);
  const badPad = rtp({ pad: 1 });
  badPad[badPad.length - 1] = 200;
  assert.match((parseRtp(badPad) as any).reason, /padding/);
});

test('tells RTCP from RTP on a shared port (RFC 5761 §4)', () => {
  assert.equal(isRtcp(Uint8Array.of(0x81, 200, 0, 1)), true);
  assert.equal(isRtcp(Uint8Array.of(0x81, 206, 0, 1)), true);
  assert.equal(isRtcp(rtp({ pt: 96 })), false);
  assert.equal(isRtcp(rtp({ pt: 111 | 0x80 })), false);
});

test('re-maps header extension ids and drops the ones not negotiated (RFC 8285)', () => {
  const b = rtp({ ext: [[1, [0x10]], [4, [0x30, 0x31]], [13, [0x02]]], payload: [7, 7, 7] });
  const r = parseRtp(b);
  assert.ok(r.ok);
  const out = remapExtensions(b, r.rtp, new Map([[1, 1], [13, 4]]));
  const o = parseRtp(out);
  assert.ok(o.ok);
  assert.deepEqual(readExtensions(out, o.rtp).map((e) => [e.id, [...out.subarray(e.offset, e.offset + e.length)]]), [[1, [0x10]], [4, [0x02]]]);
  assert.deepEqual([...out.subarray(o.rtp.payloadOffset)], [7, 7, 7]);
  assert.equal(o.rtp.sequenceNumber, r.rtp.sequenceNumber);
});

test('removing every extension clears the X bit; two-byte form is read too', () => {
  const b = rtp({ ext: [[20, [1, 2]]], twoByte: true });
  const r = parseRtp(b);
  assert.ok(r.ok);
  assert.deepEqual(readExtensions(b, r.rtp).map((e) => e.id), [20]);
  const none = remapExtensions(b, r.rtp, new Map());
  assert.equal(none[0] & 0x10, 0);
  assert.equal(none.length, 12 + 3);
  const moved = remapExtensions(b, r.rtp, new Map([[20, 2]]));
  const m = parseRtp(moved);
  assert.ok(m.ok);
  assert.deepEqual(readExtensions(moved, m.rtp).map((e) => e.id), [2]);
});

test('never throws or reads out of bounds on random bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      bytes[0] = (bytes[0] ?? 0) | 0x80;
      const r = parseRtp(bytes);
      if (r.ok) {
        assert.ok(r.rtp.payloadOffset <= r.rtp.payloadEnd && r.rtp.payloadEnd <= bytes.length);
        for (const e of readExtensions(bytes, r.rtp)) assert.ok(e.offset + e.length <= bytes.length);
        remapExtensions(bytes, r.rtp, new Map([[1, 3]]));
      }
    }),
  );
});
