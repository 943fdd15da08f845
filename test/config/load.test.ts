import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../src/errors.ts';
import { ConfigError, defaultConfig, formatWarning, loadTurnserverConfig, type LoadOptions } from '../../src/config/index.ts';

const fixture = (name: string) => new URL(`../fixtures/config/${name}`, import.meta.url).pathname;

/** A file system holding only `files`; anything else is ENOENT. */
function files(contents: Record<string, string>): (path: string) => string {
  return (path) => {
    if (path in contents) return contents[path];
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
  };
}

function refusal(argv: string[], opts: LoadOptions = { defaultConfigPaths: [] }): ConfigError {
  try {
    loadTurnserverConfig(argv, opts);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail('expected start-up to be refused');
}

test('seed 1: the file from the brief gives the expected Config, with no warning', () => {
  const path = fixture('seed1.conf');
  const { config, warnings } = loadTurnserverConfig(['-c', path]);
  const expected = defaultConfig();
  Object.assign(expected, {
    realm: 'a',
    serverName: 'b',
    fingerprint: true,
    listeningIps: ['0.0.0.0'],
    externalIps: [{ public: '42.192.50.232' }],
    listeningPort: 3478,
    minPort: 10000,
    maxPort: 20000,
    users: [{ name: 'test', password: 'test123' }],
    ltCredMech: true,
    sources: [path],
  });
  expected.log = { ...expected.log, file: '/var/log/turnserver.log', verbose: 1 };
  assert.deepEqual(config, expected);
  assert.deepEqual(warnings, []);
});

test('seed 2: the command line from the brief gives the expected Config, takes -m and --mobility, and warns for -o', () => {
  const argv = '-o -a -f -v --mobility -m 10 --max-bps=100000 --min-port=32355 --max-port=65535 --user=ling:ling1234 --user=ling2:ling1234 -r demo';
  const { config, warnings, help } = loadTurnserverConfig(argv.split(' '), { defaultConfigPaths: [] });
  const expected = defaultConfig();
  Object.assign(expected, {
    ltCredMech: true,
    fingerprint: true,
    mobility: true,
    maxBps: 100000,
    relayThreads: 10,
    minPort: 32355,
    maxPort: 65535,
    users: [
      { name: 'ling', password: 'ling1234' },
      { name: 'ling2', password: 'ling1234' },
    ],
    realm: 'demo',
  });
  expected.log = { ...expected.log, verbose: 1 };
  assert.deepEqual(config, expected);
  assert.equal(help, false);
  assert.deepEqual(
    warnings.map((w) => [w.where, w.option]),
    [
      ['command line', 'daemon'],
    ],
  );
  assert.match(formatWarning(warnings[0]), /^command line: option '-o' ignored: Turnpike runs in the foreground; use a service manager/);
});

test('a user key in 0x form becomes the 16-byte key', () => {
  const { config } = loadTurnserverConfig(['-n', '-r', 'demo', '-u', 'ling:0xccba8f3a6a025a38eb4a0e795fc92705']);
  assert.deepEqual(config.users, [{ name: 'ling', key: Uint8Array.from(Buffer.from('ccba8f3a6a025a38eb4a0e795fc92705', 'hex')) }]);
});

test('the command line overrides single-valued options of the file and adds to repeatable ones', () => {
  const readFile = files({ '/t.conf': 'realm=file\nmin-port=10000\nuser=a:1\nlistening-ip=127.0.0.1\nverbose\n' });
  const { config } = loadTurnserverConfig(['-c', '/t.conf', '-r', 'cli', '--user=b:2', '-L', '::1', '--verbose=off'], { readFile });
  assert.equal(config.realm, 'cli');
  assert.equal(config.minPort, 10000);
  assert.deepEqual(config.users.map((u) => u.name), ['a', 'b']);
  assert.deepEqual(config.listeningIps, ['127.0.0.1', '::1']);
  assert.equal(config.log.verbose, 0);
  assert.deepEqual(config.sources, ['/t.conf']);
});

test('without -c or -n, the first existing default path is read', () => {
  const readFile = files({ '/b.conf': 'realm=b\nno-auth\n', '/c.conf': 'realm=c\nno-auth\n' });
  const { config } = loadTurnserverConfig([], { readFile, defaultConfigPaths: ['/a.conf', '/b.conf', '/c.conf'] });
  assert.equal(config.realm, 'b');
  assert.deepEqual(config.sources, ['/b.conf']);
});

test('when no default file exists, start-up warns and goes on', () => {
  const { config, warnings } = loadTurnserverConfig(['-z'], { readFile: files({}), defaultConfigPaths: ['/a.conf'] });
  assert.deepEqual(config.sources, []);
  assert.match(warnings[0].message, /^no configuration file found \(looked for \/a\.conf\)/);
});

test('-n reads no file, even a default one, and -c beside it is ignored with a warning', () => {
  const readFile = files({ '/a.conf': 'realm=a\n', '/x.conf': 'realm=x\n' });
  const { config, warnings } = loadTurnserverConfig(['-c', '/x.conf', '-n', '-z'], { readFile, defaultConfigPaths: ['/a.conf'] });
  assert.equal(config.realm, '');
  assert.deepEqual(config.sources, []);
  assert.equal(warnings[0].message, "'-c /x.conf' is ignored because '-n' (no configuration file) is given");
});

test('-c with a file that does not exist stops start-up', () => {
  const error = refusal(['-c', '/nowhere/turnserver.conf', '-z']);
  assert.equal(error.code, ErrorCode.CONFIG_INVALID);
  assert.deepEqual(error.problems, ["command line: configuration file '/nowhere/turnserver.conf' (-c) not found; looked for /nowhere/turnserver.conf"]);
});

test('a relative -c name is also looked for in coturn\'s directories', () => {
  const readFile = files({ '/etc/coturn/mine.conf': 'no-auth\nrealm=found\n' });
  const { config } = loadTurnserverConfig(['-c', 'mine.conf'], { readFile });
  assert.equal(config.realm, 'found');
  assert.deepEqual(config.sources, ['/etc/coturn/mine.conf']);
  const error = refusal(['-c', 'other.conf'], { readFile });
  assert.match(error.problems[0], /^command line: configuration file 'other\.conf' \(-c\) not found; looked for other\.conf, etc\/other\.conf, \.\.\/etc\/other\.conf, \/etc\/other\.conf/);
});

test('TURNPIKE_CONFIG names the file when the command line does not', () => {
  const readFile = files({ '/env.conf': 'no-auth\nrealm=env\n' });
  const { config } = loadTurnserverConfig([], { readFile, env: { TURNPIKE_CONFIG: '/env.conf' }, defaultConfigPaths: [] });
  assert.equal(config.realm, 'env');
  assert.equal(loadTurnserverConfig(['-n', '-z'], { readFile, env: { TURNPIKE_CONFIG: '/env.conf' } }).config.realm, '');
});

test('a file that exists but cannot be read is a problem', () => {
  const readFile = () => {
    throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  };
  const error = refusal(['-z'], { readFile, defaultConfigPaths: ['/etc/turnserver.conf'] });
  assert.deepEqual(error.problems, ["command line: configuration file '/etc/turnserver.conf' (default) cannot be read: EACCES: permission denied"]);
});

test('every mistake in a file is listed with file:line, the option, the value and what is expected', () => {
  const path = fixture('mistakes.conf');
  const error = refusal(['-c', path]);
  assert.equal(error.code, ErrorCode.CONFIG_INVALID);
  assert.equal(error.message, error.problems.join('\n'));
  assert.deepEqual(error.problems, [
    `${path}:7: option 'min-prot' is unknown — did you mean 'min-port'?`,
    `${path}:8: option 'listening-port' has value 'abc': expected an integer 0-65535`,
    `${path}:9: option 'external-ip' has value 'turn.example.org': expected an IP address or 'PUBLIC/PRIVATE' addresses of the same family (host names are not resolved)`,
    `${path}:10: option 'server-relay' is not supported — refused for safety: it would relay to and from any peer without a permission, while Turnpike always checks permissions (RFC 8656 §9); run the relayed servers as ordinary TURN clients instead`,
    `${path}:11: option 'no-loopback-peers' was removed from coturn (CVE-2020-26262): loopback peers are now always refused unless 'allow-loopback-peers' is set; delete this option`,
    `${path}:12: option 'denied-peer-ip' has value '10.0.0.0/8': expected an IP address or a range 'IP1-IP2' (CIDR is not accepted; write '10.0.0.0-10.255.255.255')`,
    `${path}:13: option 'listening-ip' needs a value: expected an IPv4 or IPv6 address (host names are not resolved)`,
  ]);
});

test('an unsupported option alone stops start-up with CONFIG_UNSUPPORTED and file:line', () => {
  const readFile = files({ 'turnserver.conf': 'realm=a\nuser=a:b\n\nmongo-userdb=mongodb://localhost/coturn\n' });
  const error = refusal(['-c', 'turnserver.conf'], { readFile });
  assert.equal(error.code, ErrorCode.CONFIG_UNSUPPORTED);
  assert.deepEqual(error.problems, [
    "turnserver.conf:4: option 'mongo-userdb' is not supported — no MongoDB server can run where Turnpike is tested, so no MongoDB backend ships untested; move the users with turnadmin to SQLite, PostgreSQL, MySQL or Redis",
  ]);
});

test('options that only make sense on the command line are refused in a file', () => {
  const error = refusal(['-c', '/t.conf'], { readFile: files({ '/t.conf': 'no-auth\nversion\n' }) });
  assert.deepEqual(error.problems, ["/t.conf:2: option 'version' only works on the command line"]);
});

test('warnings from a file carry file:line', () => {
  const readFile = files({ '/t.conf': 'no-auth\n\ndaemon\nrealm=a;\n' });
  const { warnings } = loadTurnserverConfig(['-c', '/t.conf'], { readFile });
  assert.deepEqual(
    warnings.map((w) => [w.where, w.option]),
    [
      ['/t.conf:3', 'daemon'],
      ['/t.conf:4', 'realm'],
      ['/t.conf:1', 'no-auth'],
    ],
  );
  assert.match(warnings[1].message, /ends with ';'/);
});

test("Debian's shipped /etc/turnserver.conf is read, and start-up refuses it only because it has no credentials", { skip: !existsSync('/etc/turnserver.conf') }, () => {
  const error = refusal(['-c', '/etc/turnserver.conf']);
  assert.equal(error.code, ErrorCode.OPEN_RELAY_REFUSED);
  // With credentials added on the command line, the same file is accepted.
  const { config } = loadTurnserverConfig(['-c', '/etc/turnserver.conf', '-u', 'a:b', '-r', 'demo']);
  assert.deepEqual(config.sources, ['/etc/turnserver.conf']);
});

test('the real file system is used by default', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turnpike-config-'));
  try {
    const path = join(dir, 'turnserver.conf');
    writeFileSync(path, readFileSync(fixture('seed1.conf')));
    assert.equal(loadTurnserverConfig(['-c', path]).config.realm, 'a');
    assert.equal(loadTurnserverConfig([], { defaultConfigPaths: [join(dir, 'none.conf'), path] }).config.realm, 'a');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
