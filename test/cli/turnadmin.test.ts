import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { turnadmin } from '../../src/cli/turnadmin.ts';
import { verifyAdminPassword } from '../../src/auth/admin-password.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await turnadmin(argv, (line) => out.push(line), (line) => err.push(line));
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
});

test('long options, with "=" or a separate value, and attached short values', async () => {
  for (const argv of [
    ['--key', '--user=ling', '--password=ling1234', '--realm=demo'],
    ['--key', '--user', 'ling', '--password', 'ling1234', '--realm', 'demo'],
    ['-k', '-uling', '-pling1234', '-rdemo'],
  ]) {
    const result = await run(...argv);
    assert.deepEqual(result.out, ['0xccba8f3a6a025a38eb4a0e795fc92705'], argv.join(' '));
    assert.equal(result.code, 0);
  }
});

test('-k without -u, -r or -p is a usage error naming what is missing', async () => {
  const noRealm = await run('-k', '-u', 'ling', '-p', 'ling1234');
  assert.equal(noRealm.code, 2);
  assert.deepEqual(noRealm.out, []);
  assert.match(noRealm.err[0], /missing -r REALM$/);
  const nothing = await run('--key');
  assert.equal(nothing.code, 2);
  assert.match(nothing.err[0], /missing -u USER, -r REALM, -p PASSWORD$/);
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

test('-h and --help print the help and succeed', async () => {
  for (const flag of ['-h', '--help']) {
    const result = await run(flag);
    assert.equal(result.code, 0);
    assert.ok(result.out.some((line) => line.includes('-k, --key')));
  }
});

test('database commands say a user database is needed, and exit 2', async () => {
  const cases: [string[], string][] = [
    [['-a', '-u', 'bob', '-r', 'demo', '-p', 'pw'], '-a'],
    [['-d', '-u', 'bob', '-r', 'demo'], '-d'],
    [['-l'], '-l'],
    [['-s', 'secret', '-r', 'demo'], '-s'],
    [['-S'], '-S'],
    [['-X', 'secret'], '-X'],
    [['-A', '-u', 'admin', '-p', 'pw'], '-A'],
    [['-D', '-u', 'admin'], '-D'],
    [['-L'], '-L'],
    [['-O', '-o', 'https://example.com', '-r', 'demo'], '-O'],
    [['-R', '-o', 'https://example.com'], '-R'],
    [['-I'], '-I'],
    [['-g', '-r', 'demo', '--max-bps', '1000'], '-g'],
    [['-G'], '-G'],
    [['--list', '-b', '/var/lib/turn/turndb'], '--list'],
    [['--delete-all-secrets'], '--delete-all-secrets'],
  ];
  for (const [argv, flag] of cases) {
    const result = await run(...argv);
    assert.equal(result.code, 2, argv.join(' '));
    assert.deepEqual(result.err, [
      `turnadmin: '${flag}' needs a user database; databases arrive in a later release`,
    ]);
  }
});

test('unknown options, missing values, stray arguments and two commands are usage errors', async () => {
  for (const argv of [['--frobnicate'], ['-k', '-u'], ['-k', 'ling'], ['-k', '-P', '-p', 'x'], []]) {
    const result = await run(...argv);
    assert.equal(result.code, 2, argv.join(' '));
    assert.match(result.err[0], /^turnadmin: /);
  }
});

test('`npx turnpike turnadmin -k ...` prints the key from a child process', async (t) => {
  const main = readFileSync(new URL('../../src/cli/main.ts', import.meta.url), 'utf8');
  if (!main.includes('turnadmin')) {
    t.skip('src/cli/main.ts does not route the turnadmin subcommand yet');
    return;
  }
  const { stdout } = await promisify(execFile)(
    'npx',
    ['--no-install', 'turnpike', 'turnadmin', '-k', '-u', 'ling', '-p', 'ling1234', '-r', 'demo'],
    { cwd: ROOT },
  );
  assert.equal(stdout.trim(), '0xccba8f3a6a025a38eb4a0e795fc92705');
});
