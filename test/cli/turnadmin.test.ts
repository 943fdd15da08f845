import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { turnadmin } from '../../src/cli/turnadmin.ts';
import { parseArgs } from '../../src/cli/turnadmin-args.ts';
import { canonicalOrigin } from '../../src/net/origin.ts';
import { verifyAdminPassword } from '../../src/auth/admin-password.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await turnadmin(argv, (line) => out.push(line), (line) => err.push(line), {
    openDatabase: () => Promise.reject(new Error('no database in this test')),
  });
  return { code, out, err };
}

test('-k prints coturn\'s keys', async () => {
  assert.deepEqual(await run('-k', '-u', 'ling', '-p', 'ling1234', '-r', 'demo'), {
    code: 0,
    out: ['0xccba8f3a6a025a38eb4a0e795fc92705'],
    err: [],
  });
  const nine = await run('-k', '-u', 'ninefingers', '-r', 'north.gov', '-p', 'youhavetoberealistic');
  assert.deepEqual(nine.out, ['0xbc807ee29df3c9ffa736523fb2c4e8ee']);
  // coturn 4.6 prints the key of the empty realm when -r is left out.
  assert.deepEqual((await run('-k', '-u', 'ling', '-p', 'ling1234')).out, ['0xaff2c1d34e4b52d7dc8bf645c060c9a3']);
});

test('long options, with "=" or a separate value, abbreviated, and attached short values', async () => {
  for (const argv of [
    ['--key', '--user=ling', '--password=ling1234', '--realm=demo'],
    ['--key', '--user', 'ling', '--password', 'ling1234', '--realm', 'demo'],
    ['--key', '--user=ling', '--pass', 'ling1234', '--real=demo'],
    ['-k', '-uling', '-pling1234', '-rdemo'],
    ['-kuling', '-pling1234', '-rdemo'],
  ]) {
    const result = await run(...argv);
    assert.deepEqual(result.out, ['0xccba8f3a6a025a38eb4a0e795fc92705'], argv.join(' '));
    assert.equal(result.code, 0);
  }
});

test('getopt details: last value wins, -- ends options, --list-origins may carry coturn\'s unused value', () => {
  const p = parseArgs(['-l', '-b', 'a.db', '-N', 'ip=x', '-r', 'one', '--realm=two']);
  assert.equal(p.values.get('realm'), 'two');
  assert.deepEqual(p.database, { id: 'redis-userdb', flag: '-N', value: 'ip=x' });
  assert.deepEqual(parseArgs(['-l', '--', '-r']).operands, ['-r']);
  assert.deepEqual(parseArgs(['--list-origins', 'x', '-b', 'f']).operands, []);
  assert.deepEqual(parseArgs(['--list-origins=x']).commands.map((c) => c.id), ['list-origins']);
  assert.deepEqual(parseArgs(['--list-realm-option']).commands.map((c) => c.id), ['list-realm-options']);
  assert.deepEqual(parseArgs(['-s', '-r']).commands, [{ id: 'set-secret', flag: '-s', value: '-r' }]);
});

test('-k without -u or -p is refused as coturn refuses it: its message, exit 255', async () => {
  assert.deepEqual(await run('-k', '-u', 'ling', '-r', 'demo'), {
    code: 255, out: [], err: ['The operation cannot be completed: the password must be set.'],
  });
  assert.deepEqual((await run('--key')).err, ['The operation cannot be completed: the user must be set.']);
});

test('user names, realms and passwords coturn refuses are refused, exit 255; a refused password is not echoed', async () => {
  const bad = await run('-k', '-u', 'bad user', '-r', 'demo', '-p', 'x');
  assert.deepEqual(bad, { code: 255, out: [], err: ['Wrong user name structure or symbols, choose another name: bad user'] });
  assert.equal((await run('-k', '-u', "o'brien", '-p', 'x')).code, 255);
  assert.equal((await run('-k', '-u', 'UnionSelect', '-p', 'x')).code, 255);
  assert.equal((await run('-k', '-u', 'a:b', '-r', 'demo', '-p', 'x')).code, 0, 'coturn accepts a colon');
  assert.deepEqual((await run('-k', '-u', 'a', '-r', 'de\tmo', '-p', 'x')).err, ['Wrong realm: "de\\tmo"']);
  const pw = await run('-k', '-u', 'a', '-r', 'demo', '-p', 'se\x01cret');
  assert.equal(pw.code, 255);
  assert.ok(!pw.err.join('\n').includes('se'), pw.err.join('\n'));
});

test('-P -p prints a "$5$" admin hash that verifies against the password', async () => {
  const first = await run('-P', '-p', 'qwerty');
  const second = await run('--generate-encrypted-password', '--password=qwerty');
  assert.equal(first.code, 0);
  assert.match(first.out[0], /^\$5\$[0-9a-f]{16}\$[0-9a-f]{64}$/);
  assert.equal(verifyAdminPassword(first.out[0], 'qwerty'), true);
  assert.equal(verifyAdminPassword(first.out[0], 'qwertz'), false);
  assert.notEqual(first.out[0], second.out[0], 'every hash has its own salt');
  assert.equal((await run('-P')).code, 2);
});

test('-h and --help print the help and succeed, whatever else is given', async () => {
  for (const argv of [['-h'], ['--help'], ['-l', '-h', 'stray'], ['--he']]) {
    const result = await run(...argv);
    assert.equal(result.code, 0, argv.join(' '));
    assert.ok(result.out.some((line) => line.includes('-k, --key')));
    assert.ok(result.out.some((line) => line.includes('--delete-all-secrets')));
    assert.ok(result.out.every((line) => line.length <= 100), 'fits a wide terminal');
  }
});

test('unknown and ambiguous options, missing values, stray arguments and two commands: exit 2', async () => {
  for (const argv of [
    ['--frobnicate'], ['-k', '-u'], ['-k', 'ling'], ['-k', '-P', '-p', 'x'], [], ['--us=x', '-k'],
    ['-l', '-b', 'x.db', 'extra'], ['--list=x'], ['-g', '-r', 'demo', '--max-bps', '12abc'],
    ['-g', '-r', 'demo', '--user-quota=-3'], ['-l', '-J', 'mongodb://localhost'], ['-E', '-p', 'x'],
  ]) {
    const result = await run(...argv);
    assert.equal(result.code, 2, argv.join(' '));
    assert.match(result.err[0], /^turnadmin: /);
    assert.deepEqual(result.out, []);
  }
  assert.match((await run('-l', '-J', 'mongodb://x')).err[0], /MongoDB user databases are not supported/);
  assert.match((await run('--us=x', '-k')).err[0], /ambiguous.*'--user'.*'--user-quota'/);
});

test('-x writes a key file; -E and -v with -f encrypt and decrypt as coturn does', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'turnadmin-aes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const keyFile = path.join(dir, 'key');
  assert.deepEqual(await run('-x', keyFile), { code: 0, out: [], err: [] });
  assert.match(readFileSync(keyFile, 'latin1'), /^[0-9A-Za-z]{16}$/);
  assert.equal(statSync(keyFile).mode & 0o077, 0, 'the key file is private');
  const enc = await run('-f', keyFile, '-E', '-p', 'secretpw');
  assert.equal(enc.code, 0);
  assert.deepEqual((await run('-v', enc.out[0], '-f', keyFile)).out, ['secretpw']);
  // A key and ciphertext made by Debian's turnadmin 4.6.1 (-x, then -f KEY -E -p secretpw).
  const coturnKey = path.join(dir, 'coturn-key');
  writeFileSync(coturnKey, 'A1TV2kg06X252my1');
  assert.deepEqual((await run('-E', '-p', 'secretpw', '-f', coturnKey)).out, ['+jusXWTH5FI=']);
  assert.deepEqual((await run('-f', coturnKey, '-v', '+jusXWTH5FI=')).out, ['secretpw']);
  const missing = await run('-f', path.join(dir, 'nothere'), '-E', '-p', 'x');
  assert.equal(missing.code, 1);
  assert.match(missing.err[0], /cannot read the AES key file/);
  assert.equal((await run('-v', 'abc=')).code, 2, '-v needs -f');
});

test('canonical origins are what coturn stores', () => {
  const cases: [string, string][] = [
    ['HTTP://Example.COM/Path?q=1#f', 'http://example.com:80'],
    ['https://User@H:8080', 'https://h:8080'],
    ['TURNS://h', 'turns://h:5349'],
    ['HTTP://h:0', 'http://h:80'],
    ['HTTP://H:0080', 'http://h:80'],
    ['foo://H', 'foo://h'],
    ['http://[FE80::1]', 'http://[fe80::1]:80'],
    ['Example.COM', 'Example.COM'],
    ['HTTP://H:99999', 'HTTP://H:99999'],
    ['HTTP://H/a b', 'HTTP://H/a b'],
    ['HTTP://[::1', 'HTTP://[::1'],
    ['http://', 'http://'],
    ['mailto:x@y', 'mailto:x@y'],
  ];
  for (const [given, stored] of cases) assert.equal(canonicalOrigin(given), stored, given);
});

test('`npx turnpike turnadmin -k ...` prints the key from a child process', async () => {
  const { stdout } = await promisify(execFile)(
    'npx',
    ['--no-install', 'turnpike', 'turnadmin', '-k', '-u', 'ling', '-p', 'ling1234', '-r', 'demo'],
    { cwd: ROOT },
  );
  assert.equal(stdout.trim(), '0xccba8f3a6a025a38eb4a0e795fc92705');
});
