/**
 * SRTP and SRTCP (native/src/sfu/srtp.c and srtp-session.c, what every media packet from a
 * peer meets first) under libFuzzer with AddressSanitizer and UndefinedBehaviorSanitizer, for
 * `TURNPIKE_FUZZ_SECONDS` (default 6): unprotect of arbitrary bytes as RTP and RTCP under each
 * profile, protect of what it accepts, and protect then unprotect of arbitrary plaintext.
 * Seeds: the RFC 7714 §16 and §17 packets, E = 1 and E = 0 (valid under the target's keys), a
 * plain RTP packet with CSRCs, a header extension and padding, and a compound RTCP packet. The
 * target is a standalone program, so it links the system libcrypto (the addon never does).
 * Skipped without clang and its fuzzer runtime, or without OpenSSL's headers and libcrypto.
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

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('libFuzzer target of SRTP and SRTCP', { skip: missing ?? false }, () => {
  it(`fuzz_srtp: ${SECONDS} s under ASan and UBSan, no crash`, { timeout: (SECONDS + 60) * 1000 }, () => {
    const outDir = path.join(root, 'native', 'build-fuzz');
    mkdirSync(outDir, { recursive: true });
    const bin = path.join(outDir, 'fuzz_srtp');
    execFileSync('clang', [
      '-g', '-O1', '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=undefined', '-D_GNU_SOURCE', '-DTP_HAVE_OPENSSL=1',
      `-I${path.join(root, 'native', 'src')}`, path.join(root, 'native', 'fuzz', 'fuzz_srtp.c'), path.join(root, 'native', 'src', 'sfu', 'srtp.c'), path.join(root, 'native', 'src', 'sfu', 'srtp-session.c'), '-lcrypto', '-o', bin,
    ]);
    const corpus = mkdtempSync(path.join(tmpdir(), 'fuzz_srtp-'));
    // RFC 7714 §16.1 and §16.2 (SRTP), §17.1 and §17.2 (SRTCP).
    writeFileSync(path.join(corpus, 'seed-0'), hex('8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce'));
    writeFileSync(path.join(corpus, 'seed-1'), hex('8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba63799b87b7aa3db36dfffd6b0f9bb7878d7a76c13'));
    writeFileSync(path.join(corpus, 'seed-2'), hex('81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4'));
    writeFileSync(path.join(corpus, 'seed-3'), hex('81c8000d4d617273d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be8415f658c61de0476f1b6fad1d1eb30c4446839f57ff6f6cb26ac3be800005d4'));
    // RFC 7714 §17.3 and §17.4: SRTCP with E = 0.
    const rtcp = '81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef';
    writeFileSync(path.join(corpus, 'seed-6'), hex(`${rtcp}841dd9683dd78ec92ae58790125f62b3000005d4`));
    writeFileSync(path.join(corpus, 'seed-7'), hex(`${rtcp}91db4afbfeee5a978fab4393ed2615fe000005d4`));
    // Plain RTP: two CSRCs, a one-byte-header extension, padding; and a compound RTCP SR + SDES.
    writeFileSync(path.join(corpus, 'seed-4'), hex('b2e0fffe 00001000 00c0ffee 00000001 00000002 bede0001 10ab0000 77777777 77770003'));
    writeFileSync(path.join(corpus, 'seed-5'), hex('80c80006 00c0ffee 00000001 00000002 00000003 00000004 00000005 81ca0003 00c0ffee 01047465 73740000'));
    const r = runFuzzer(bin, corpus);
    rmSync(corpus, { recursive: true, force: true });
    const runs = r.runs;
    process.stdout.write(`# fuzz_srtp: ${runs} inputs in ${SECONDS} s\n`);
    assert.equal(r.status, 0, r.stderr.slice(-4000));
  });
});
