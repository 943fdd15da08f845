import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  decryptAesPassword, encryptAesPassword, generateAesKey, readAesKeyFile, writeAesKeyFile,
} from '../../src/db/aes-password.ts';
import { ErrorCode, TurnpikeError } from '../../src/errors.ts';

const TURNADMIN = '/usr/bin/turnadmin';
const haveTurnadmin = existsSync(TURNADMIN);
const skipCoturn = haveTurnadmin ? false : 'Debian coturn (turnadmin) is not installed';
const dir = mkdtempSync(path.join(tmpdir(), 'turnpike-aes-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** What turnadmin prints on stdout, without its log lines ("0: : ..."). */
function turnadmin(...args: string[]): string[] {
  const out = execFileSync(TURNADMIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l && !/^\d+: /.test(l));
}

const key = new TextEncoder().encode('0123456789abcdef');
const PASSWORDS = ['secret', 'a', '', 'sixteen-bytes-pw', 'a much longer password, well over sixteen bytes: ü€😀', 'pw=with/special+chars'];

test('round trip, and the known vector of coturn 4.6 for a fixed key', () => {
  for (const p of PASSWORDS) assert.equal(decryptAesPassword(encryptAesPassword(p, key), key), p);
  // printed by Debian's coturn 4.6.1: turnadmin -f <file holding 0123456789abcdef> -E -p secret
  assert.equal(encryptAesPassword('secret', key), 'eP52qC4w');
  assert.equal(decryptAesPassword('eP52qC4w', key), 'secret');
  // AES-128-CTR with a zero IV is a stream cipher: same length as the text, base64 with padding
  assert.equal(Buffer.from(encryptAesPassword('secret', key), 'base64').length, 6);
  assert.equal(decryptAesPassword(`  ${encryptAesPassword('secret', key)}\n`, key), 'secret');
});

test('bad input: keys of the wrong size, text that is not base64', () => {
  assert.throws(() => encryptAesPassword('x', new Uint8Array(15)), (e: unknown) => e instanceof TurnpikeError && /16 bytes/.test(e.message));
  assert.throws(() => decryptAesPassword('not base64!', key), (e: unknown) => e instanceof TurnpikeError && e.code === ErrorCode.CONFIG_INVALID);
  assert.throws(() => decryptAesPassword('abcde', key), /not base64/);
});

test('generated keys: 16 characters of [0-9A-Za-z], different each time', () => {
  const a = generateAesKey();
  const b = generateAesKey();
  assert.equal(a.length, 16);
  assert.match(Buffer.from(a).toString('latin1'), /^[0-9A-Za-z]{16}$/);
  assert.notDeepEqual(a, b);
});

test('key files: written with mode 0600 and no newline; reading takes the first 16 bytes', () => {
  const file = path.join(dir, 'written.key');
  const k = writeAesKeyFile(file);
  assert.deepEqual(new Uint8Array(readFileSync(file)), k);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readAesKeyFile(file), k);
  const raw = path.join(dir, 'raw.key');
  writeFileSync(raw, Buffer.concat([Buffer.from([0, 10, 32, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), Buffer.from('extra\n')]));
  assert.deepEqual([...readAesKeyFile(raw)], [0, 10, 32, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

test('key files that cannot be used', () => {
  const empty = path.join(dir, 'empty.key');
  writeFileSync(empty, '');
  assert.throws(() => readAesKeyFile(empty), /is empty/);
  const short = path.join(dir, 'short.key');
  writeFileSync(short, '0123456789\n');
  assert.throws(() => readAesKeyFile(short), /has 11 bytes, fewer than 16/);
  assert.throws(() => readAesKeyFile(path.join(dir, 'missing.key')), (e: unknown) => e instanceof TurnpikeError && e.code === ErrorCode.CONFIG_INVALID);
});

test('interop: a key from turnadmin -x; turnadmin -f <key> -E -p <pw> prints what we print', { skip: skipCoturn }, () => {
  const file = path.join(dir, 'coturn.key');
  turnadmin('-x', file);
  const k = readAesKeyFile(file);
  assert.equal(readFileSync(file).length, 16, 'coturn writes exactly 16 bytes');
  // coturn's SASLprep refuses non-ASCII passwords ("Wrong password"), so only ASCII ones here
  for (const p of [...PASSWORDS.filter((p) => /^[ -~]+$/.test(p)), 'an ASCII password well over sixteen bytes, 48 long']) {
    const [theirs] = turnadmin('-f', file, '-E', '-p', p);
    assert.equal(encryptAesPassword(p, k), theirs, `password ${JSON.stringify(p)}`);
    assert.equal(decryptAesPassword(theirs, k), p);
  }
});

test('interop: our key file and encryption, decrypted by turnadmin -f <key> -v', { skip: skipCoturn }, () => {
  const file = path.join(dir, 'ours.key');
  const k = writeAesKeyFile(file);
  for (const p of ['secret', 'turn-db-password-42']) {
    assert.deepEqual(turnadmin('-f', file, '-v', encryptAesPassword(p, k)), [p]);
    assert.deepEqual(turnadmin('-f', file, '-E', '-p', p), [encryptAesPassword(p, k)]);
  }
  const raw = path.join(dir, 'raw-bytes.key');
  const rawKey = new Uint8Array([0, 10, 32, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  writeAesKeyFile(raw, rawKey);
  assert.deepEqual(turnadmin('-f', raw, '-E', '-p', 'secret'), [encryptAesPassword('secret', rawKey)]);
});
