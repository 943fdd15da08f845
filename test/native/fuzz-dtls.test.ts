/**
 * The DTLS record-header scan (native/src/dtls-record.c, what checks a datagram before
 * OpenSSL sees it) under libFuzzer with AddressSanitizer and UndefinedBehaviorSanitizer, for
 * `TURNPIKE_FUZZ_SECONDS` (default 6). Seeds: an epoch-0 ClientHello record followed by an
 * application-data record, and a DTLS 1.0 alert. Skipped without clang and its fuzzer runtime.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FUZZ_SECONDS, fuzzerMissing, runFuzzer } from './fuzz-harness.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SECONDS = FUZZ_SECONDS;

const missing = fuzzerMissing;

/** A DTLS record (RFC 6347 §4.1) around `fragment`. */
function record(type: number, version: number, epoch: number, fragment: Buffer): Buffer {
  const h = Buffer.alloc(13);
  h[0] = type;
  h.writeUInt16BE(version, 1);
  h.writeUInt16BE(epoch, 3);
  h.writeUInt16BE(fragment.length, 11);
  return Buffer.concat([h, fragment]);
}

describe('libFuzzer target of the DTLS record scan', { skip: missing ?? false }, () => {
  it(`fuzz_dtls_record: ${SECONDS} s under ASan and UBSan, no crash`, { timeout: (SECONDS + 60) * 1000 }, () => {
    const outDir = path.join(root, 'native', 'build-fuzz');
    mkdirSync(outDir, { recursive: true });
    const bin = path.join(outDir, 'fuzz_dtls_record');
    execFileSync('clang', [
      '-g', '-O1', '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=undefined', '-D_GNU_SOURCE',
      `-I${path.join(root, 'native', 'src')}`, path.join(root, 'native', 'fuzz', 'fuzz_dtls_record.c'), path.join(root, 'native', 'src', 'dtls-record.c'), '-o', bin,
    ]);
    const corpus = mkdtempSync(path.join(tmpdir(), 'fuzz_dtls_record-'));
    const hello = Buffer.concat([Buffer.from([1, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 40]), Buffer.alloc(40, 0xaa)]);
    writeFileSync(path.join(corpus, 'seed-0'), Buffer.concat([record(22, 0xfefd, 0, hello), record(23, 0xfefd, 1, Buffer.alloc(48, 7))]));
    writeFileSync(path.join(corpus, 'seed-1'), record(21, 0xfeff, 0, Buffer.from([2, 40])));
    const r = runFuzzer(bin, corpus);
    rmSync(corpus, { recursive: true, force: true });
    const runs = r.runs;
    process.stdout.write(`# fuzz_dtls_record: ${runs} inputs in ${SECONDS} s\n`);
    assert.equal(r.status, 0, r.stderr.slice(-4000));
  });
});
