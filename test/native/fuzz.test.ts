/**
 * The native data plane's parsers under libFuzzer (clang), with AddressSanitizer and
 * UndefinedBehaviorSanitizer, for a bounded time each: the Send indication parser (and the Data
 * indication it becomes), the ChannelData parser and the CRC, and the forwarding-row parser.
 * Seeds are written by Turnpike's own TypeScript encoders. `TURNPIKE_FUZZ_SECONDS` sets the
 * time per target (default 6). Skipped without clang and its fuzzer runtime.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeRow } from '../../src/dataplane/native/row-codec.ts';
import { encodeChannelData, encodeMessage } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { FUZZ_SECONDS, fuzzerMissing, runFuzzer } from './fuzz-harness.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SECONDS = FUZZ_SECONDS;

const missing = fuzzerMissing;

/** Seeds for each target, from the TypeScript encoders. */
function seeds(target: string): Uint8Array[] {
  const tid = new Uint8Array(12).fill(5);
  if (target === 'fuzz_send') {
    const send = (peer: { family: 'IPv4' | 'IPv6'; address: string; port: number }, fingerprint: boolean) =>
      encodeMessage({ method: Method.Send, class: MessageClass.Indication, transactionId: tid, attributes: [{ type: Attr.XorPeerAddress, value: peer }, { type: Attr.Data, value: Buffer.from('seed data') }] }, { fingerprint });
    return [send({ family: 'IPv4', address: '203.0.113.5', port: 5000 }, true), send({ family: 'IPv6', address: '2001:db8::5', port: 6000 }, false)];
  }
  if (target === 'fuzz_channel_data') return [encodeChannelData(0x4000, Buffer.from('seed')), encodeChannelData(0x4fff, new Uint8Array(0), true)];
  const entry = {
    id: 1,
    transport: { id: 1, protocol: 'udp' as const, localIp: '192.0.2.1', localPort: 3478, send: () => {} },
    clientIp: '198.51.100.7',
    clientPort: 40000,
    relays: [{ family: 'IPv4' as const, ip: '192.0.2.10', port: 50000, handle: { plane: 'native' as const, id: 3 } }],
    expiresAt: 1_700_000_600_000,
    fingerprint: true,
    maxBps: 0,
    permissions: [{ ip: '203.0.113.5', expiresAt: 1_700_000_300_000 }],
    channels: [{ number: 0x4000, peerIp: '2001:db8::5', peerPort: 7000, family: 'IPv6' as const, expiresAt: 1_700_000_600_000 }],
  };
  return [encodeRow(entry, 0, [3])];
}

describe('libFuzzer targets of the native data plane', { skip: missing ?? false }, () => {
  const outDir = path.join(root, 'native', 'build-fuzz');
  for (const target of ['fuzz_send', 'fuzz_channel_data', 'fuzz_entry']) {
    it(`${target}: ${SECONDS} s under ASan and UBSan, no crash`, { timeout: (SECONDS + 60) * 1000 }, () => {
      mkdirSync(outDir, { recursive: true });
      const bin = path.join(outDir, target);
      execFileSync('clang', [
        '-g', '-O1', '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=undefined', '-D_GNU_SOURCE',
        `-I${path.join(root, 'native', 'src')}`, path.join(root, 'native', 'fuzz', `${target}.c`),
        path.join(root, 'native', 'src', 'wire.c'), path.join(root, 'native', 'src', 'entry.c'), '-o', bin,
      ]);
      // A corpus of our own seeds in a temporary directory: libFuzzer adds to it as it finds new paths.
      const corpus = mkdtempSync(path.join(tmpdir(), `${target}-`));
      seeds(target).forEach((s, i) => writeFileSync(path.join(corpus, `seed-${i}`), s));
      const r = runFuzzer(bin, corpus);
      rmSync(corpus, { recursive: true, force: true });
      const runs = r.runs;
      process.stdout.write(`# ${target}: ${runs} inputs in ${SECONDS} s\n`);
      assert.equal(r.status, 0, r.stderr.slice(-4000));
    });
  }
});
