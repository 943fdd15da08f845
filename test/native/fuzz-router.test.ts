/**
 * The SFU's media router (native/src/sfu/router*.c with rtp.c and rtcp.c) under libFuzzer with
 * AddressSanitizer and UndefinedBehaviorSanitizer, for `TURNPIKE_FUZZ_SECONDS` (default 6): the
 * target native/fuzz/fuzz_router.c feeds records of RTP and RTCP from a publisher and a
 * subscriber, ticks and layer changes into a fixed set-up. Seeds: a simulcast keyframe per layer
 * with MID and RID, audio, a subscriber's NACK and PLI, a tick; packets with transport-wide
 * numbers, and arrivals for the feedback builder alone. Skipped without clang and its
 * fuzzer runtime.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildNack, buildPli } from '../../src/sfu/rtp/rtcp.ts';
import { FUZZ_SECONDS, fuzzerMissing, runFuzzer } from './fuzz-harness.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SECONDS = FUZZ_SECONDS;

const missing = fuzzerMissing;

/** An RTP packet (RFC 3550 §5.1) with one-byte header extensions (RFC 8285 §4.2). */
function rtp(pt: number, seq: number, ts: number, ssrc: number, ext: [number, number[]][], payload: number[]): Buffer {
  const body = ext.flatMap(([id, data]) => [(id << 4) | (data.length - 1), ...data]);
  while (body.length % 4) body.push(0);
  const h = Buffer.alloc(12);
  h[0] = 0x80 | (body.length ? 0x10 : 0);
  h[1] = pt;
  h.writeUInt16BE(seq, 2);
  h.writeUInt32BE(ts, 4);
  h.writeUInt32BE(ssrc, 8);
  const block = body.length ? Buffer.from([0xbe, 0xde, 0, body.length / 4, ...body]) : Buffer.alloc(0);
  return Buffer.concat([h, block, Buffer.from(payload)]);
}

/** One input record of the target: op (0 publisher RTP, 1 publisher RTCP, 2 subscriber RTP, 3 subscriber RTCP, 4 tick, 5 target, 6 keyframe request (14: the transport-wide feedback builder), 7 codecs), length, bytes. */
const rec = (op: number, bytes: Uint8Array): Buffer => Buffer.concat([Buffer.from([op | ((bytes.length >> 4) & 0xf0), bytes.length & 0xff]), bytes]);

describe('libFuzzer target of the media router', { skip: missing ?? false }, () => {
  it(`fuzz_router: ${SECONDS} s under ASan and UBSan, no crash`, { timeout: (SECONDS + 90) * 1000 }, () => {
    const outDir = path.join(root, 'native', 'build-fuzz');
    mkdirSync(outDir, { recursive: true });
    const bin = path.join(outDir, 'fuzz_router');
    const sfu = path.join(root, 'native', 'src', 'sfu');
    execFileSync('clang', [
      '-g', '-O1', '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=undefined', '-D_GNU_SOURCE',
      // Small tables: a fresh router per input stays cheap.
      '-DTP_R_MAX_CONNS=4', '-DTP_R_MAX_UPS=4', '-DTP_R_MAX_DOWNS=4',
      `-I${path.join(root, 'native', 'src')}`, path.join(root, 'native', 'fuzz', 'fuzz_router.c'),
      ...['router.c', 'router-up.c', 'router-down.c', 'router-rtcp.c', 'router-svc.c', 'router-twcc.c', 'rtp.c', 'rtcp.c', 'twcc.c'].map((f) => path.join(sfu, f)), '-o', bin,
    ]);
    const corpus = mkdtempSync(path.join(tmpdir(), 'fuzz_router-'));
    const vp8Key = [0x10, 0x00, 0x9d, 0x01, 0x2a];
    const layers = ['q', 'h', 'f'].map((rid, i) => rec(0, rtp(96, 100 + i, 3000, 0x100 + i, [[1, [0x30]], [2, [...Buffer.from(rid)]], [6, [1, 2, 3]]], vp8Key)));
    const audio = rec(0, rtp(111, 7, 960, 0x400, [[1, [0x31]], [3, [0x85]]], [1, 2, 3]));
    const next = rec(8, rtp(96, 105, 6000, 0x102, [], [0x10, 0x01, 0]));
    writeFileSync(path.join(corpus, 'seed-0'), Buffer.concat([...layers, audio, next, rec(4, Buffer.alloc(0)), rec(3, buildNack(0x5a, 0xd0, [65530, 65531])), rec(3, buildPli(0x5a, 0xd0)), rec(12, Buffer.alloc(0))]));
    writeFileSync(path.join(corpus, 'seed-1'), Buffer.concat([rec(5, Buffer.from([0, 0, 2])), rec(5, Buffer.from([0, 0, 1])), ...layers, rec(7, rtp(96, 1, 1, 1, [[1, [1]], [3, [2, 2]], [6, [3, 3, 3]]], [0x7c, 0x85]))]));
    // Transport-wide numbers (id 5) out of order and with a gap, a tick, then the builder alone.
    const numbered = [3, 1, 2, 6].map((tw, i) => rec(0, rtp(96, 200 + i, 9000, 0x102, [[1, [0x30]], [5, [0, tw]]], [0x10, 0x01, 0])));
    const arrivals = Buffer.from([40, 0, 10, 0x80, 0, 0x41, 0, 0, 0x81, 0x10, 0, 3, 0x7f, 0xff]);
    writeFileSync(path.join(corpus, 'seed-2'), Buffer.concat([...layers, ...numbered, rec(4, Buffer.alloc(0)), rec(14, arrivals)]));
    const r = runFuzzer(bin, corpus);
    rmSync(corpus, { recursive: true, force: true });
    const runs = r.runs;
    process.stdout.write(`# fuzz_router: ${runs} inputs in ${SECONDS} s\n`);
    assert.equal(r.status, 0, r.stderr.slice(-4000));
  });
});
