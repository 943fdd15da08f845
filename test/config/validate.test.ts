import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/errors.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadTurnserverConfig, type LoadedConfig } from '../../src/config/index.ts';

// coturn's default user database may exist on this machine (Debian's coturn package makes
// it); the tests below choose whether it does.
process.env.TURNPIKE_DEFAULT_USERDB = '/nonexistent/turndb';

/** Loads a file's text, given as `turnserver.conf`, with nothing else around it. */
function loadFile(text: string, ...argv: string[]): LoadedConfig {
  const readFile = (path: string) => {
    if (path === 'turnserver.conf') return text;
    throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  };
  return loadTurnserverConfig(['-c', 'turnserver.conf', ...argv], { readFile });
}

function refusal(text: string, ...argv: string[]): ConfigError {
  try {
    loadFile(text, ...argv);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail('expected start-up to be refused');
}

const creds = 'realm=r\nuser=u:p\n';

test('min-port greater than max-port is refused where max-port is given', () => {
  const error = refusal(`${creds}min-port=30000\nmax-port=20000\n`);
  assert.equal(error.code, ErrorCode.CONFIG_INVALID);
  assert.deepEqual(error.problems, ['turnserver.conf:4: min-port (30000) is greater than max-port (20000)']);
});

test('a bad port value does not also cause a port-order complaint', () => {
  const error = refusal(`${creds}min-port=x\nmax-port=100\n`);
  assert.equal(error.problems.length, 1);
});

test('lifetimes must be positive; stale-nonce may be 0 (never stale)', () => {
  assert.match(refusal(`${creds}channel-lifetime=0\n`).problems[0], /option 'channel-lifetime' has value '0': expected an integer 1-2147483/);
  assert.match(refusal(`${creds}max-allocate-lifetime=-5\n`).problems[0], /expected an integer 1-/);
  assert.equal(loadFile(`${creds}stale-nonce=0\n`).config.staleNonce, 0);
  assert.equal(loadFile(`${creds}stale-nonce\n`).config.staleNonce, 600);
});

test('no-auth cannot be combined with lt-cred-mech or the REST API', () => {
  assert.deepEqual(refusal('no-auth\nlt-cred-mech\n').problems, [
    "turnserver.conf:1: options 'no-auth' and 'lt-cred-mech' cannot be used together: choose anonymous access or credentials",
  ]);
  assert.match(refusal('no-auth\nstatic-auth-secret=s\n').problems[0], /'no-auth' and 'use-auth-secret\/static-auth-secret'/);
});

test('use-auth-secret without a static secret is refused unless a user database holds the secrets', () => {
  const error = refusal('realm=r\nuse-auth-secret\n');
  assert.equal(error.code, ErrorCode.CONFIG_INVALID);
  assert.deepEqual(error.problems, [
    "turnserver.conf:2: option 'use-auth-secret' needs a 'static-auth-secret', or a user database that holds the secrets (turnadmin -s)",
  ]);
  assert.deepEqual(loadFile('realm=r\nuse-auth-secret\nredis-userdb="ip=127.0.0.1 dbname=2"\n').config.userDb, { kind: 'redis', connection: 'ip=127.0.0.1 dbname=2' });
});

test("a user database is a credential mechanism: lt-cred-mech without user lines starts, and a database alone turns lt-cred-mech on", () => {
  const { config, warnings } = loadFile('realm=r\npsql-userdb="host=db dbname=coturn user=turn password=pw"\n');
  assert.equal(config.ltCredMech, true);
  assert.ok(warnings.some((w) => /lt-cred-mech' is turned on because a user database is given/.test(w.message)));
  assert.equal(loadFile('realm=r\nlt-cred-mech\nuserdb=/tmp/x.db\n').config.userDb?.kind, 'sqlite');
});

test('static-auth-secret implies use-auth-secret and may repeat', () => {
  const { config } = loadFile('realm=r\nstatic-auth-secret=one\nstatic-auth-secret=two\n');
  assert.equal(config.useAuthSecret, true);
  assert.deepEqual(config.staticAuthSecrets, ['one', 'two']);
});

test("coturn's other conflicts: bps-capacity without max-bps, both relay kinds off, stun-only with no-stun", () => {
  assert.match(refusal(`${creds}bps-capacity=1000\n`).problems[0], /^turnserver\.conf:3: option 'bps-capacity' needs 'max-bps' too/);
  assert.match(refusal(`${creds}no-udp-relay\nno-tcp-relay\n`).problems[0], /^turnserver\.conf:4: options 'no-udp-relay' and 'no-tcp-relay'/);
  assert.match(refusal(`${creds}stun-only\nno-stun\n`).problems[0], /^turnserver\.conf:4: options 'stun-only' and 'no-stun'/);
  assert.equal(loadFile(`${creds}bps-capacity=1000\nmax-bps=100\n`).config.bpsCapacity, 1000);
});

test('external-ip: one plain address, or PUBLIC/PRIVATE pairs whose private side becomes an allowed peer', () => {
  assert.match(refusal(`${creds}external-ip=203.0.113.1\nexternal-ip=203.0.113.2\n`).problems[0], /given more than once without '\/PRIVATE'/);
  const { config } = loadFile(`${creds}external-ip=203.0.113.1/10.0.0.1\nexternal-ip=2001:db8::1/fd00::1\n`);
  assert.deepEqual(config.externalIps, [
    { public: '203.0.113.1', private: '10.0.0.1' },
    { public: '2001:db8::1', private: 'fd00::1' },
  ]);
  assert.deepEqual(config.allowedPeerIps, ['10.0.0.1', 'fd00::1']);
  assert.match(refusal(`${creds}external-ip=203.0.113.1/fd00::1\n`).problems[0], /same family/);
});

test('peer ranges: single addresses and ranges of one family, first not after last', () => {
  const { config } = loadFile(`${creds}denied-peer-ip=10.0.0.0-10.255.255.255\ndenied-peer-ip=fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\nallowed-peer-ip=10.0.0.5\n`);
  assert.deepEqual(config.deniedPeerIps, ['10.0.0.0-10.255.255.255', 'fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']);
  assert.deepEqual(config.allowedPeerIps, ['10.0.0.5']);
  assert.match(refusal(`${creds}denied-peer-ip=10.0.0.9-10.0.0.1\n`).problems[0], /first address is not after the last/);
  assert.match(refusal(`${creds}denied-peer-ip=10.0.0.1-::1\n`).problems[0], /of one family/);
  assert.match(refusal(`${creds}allowed-peer-ip=fd00::/8\n`).problems[0], /write 'fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'/);
});

test('user accounts turn lt-cred-mech on, and say so', () => {
  const { config, warnings } = loadFile('realm=r\nuser=u:p\n');
  assert.equal(config.ltCredMech, true);
  assert.deepEqual(warnings.map((w) => [w.where, w.option]), [['turnserver.conf:2', 'user']]);
  assert.match(warnings[0].message, /'lt-cred-mech' is turned on/);
});

test('user accounts next to no-auth or use-auth-secret are ignored, with a warning', () => {
  const anon = loadFile('user=u:p\nno-auth\n');
  assert.equal(anon.config.ltCredMech, false);
  assert.ok(anon.warnings.some((w) => /ignored because 'no-auth'/.test(w.message)));
  const rest = loadFile('realm=r\nuser=u:p\nstatic-auth-secret=s\n');
  assert.ok(rest.warnings.some((w) => /ignored because 'use-auth-secret'/.test(w.message)));
});

test('credentials without a realm warn', () => {
  const { warnings } = loadFile('user=u:p\nlt-cred-mech\n');
  assert.deepEqual(warnings.map((w) => [w.where, w.option]), [['turnserver.conf', 'realm']]);
});

test('allow-loopback-peers and no-auth are accepted with a warning', () => {
  const { config, warnings } = loadFile('no-auth\nallow-loopback-peers\n');
  assert.equal(config.allowLoopbackPeers, true);
  assert.deepEqual(warnings.map((w) => w.option).sort(), ['allow-loopback-peers', 'no-auth']);
});

test('syslog wins over a log-file path in either order; stdout and - are the same', () => {
  assert.equal(loadFile(`${creds}syslog\nlog-file=/var/log/t.log\n`).config.log.file, 'syslog');
  assert.equal(loadFile(`${creds}log-file=/var/log/t.log\nsyslog\n`).config.log.file, 'syslog');
  assert.equal(loadFile(`${creds}log-file=-\n`).config.log.file, 'stdout');
  assert.equal(loadFile(`${creds}log-file=stdout\n`).config.log.file, 'stdout');
});

test('-v does not lower -V, whatever the order', () => {
  assert.equal(loadFile(`${creds}Verbose\nverbose\n`).config.log.verbose, 2);
  assert.equal(loadFile(`${creds}verbose\nVerbose\n`).config.log.verbose, 2);
});

test('an open relay is refused, naming the three ways out', () => {
  const error = refusal('realm=r\nfingerprint\n');
  assert.equal(error.code, ErrorCode.OPEN_RELAY_REFUSED);
  assert.match(error.message, /^Turnpike refuses to run an open relay: no credential mechanism is configured/);
  assert.match(error.message, /user=NAME:PASSWORD/);
  assert.match(error.message, /use-auth-secret' and 'static-auth-secret=SECRET'/);
  assert.match(error.message, /'no-auth' explicitly/);
});

test('lt-cred-mech without any user is still an open-relay refusal, and says why', () => {
  const error = refusal('realm=r\nlt-cred-mech\n');
  assert.equal(error.code, ErrorCode.OPEN_RELAY_REFUSED);
  assert.match(error.message, /'lt-cred-mech' is set but no user is defined/);
});

test("coturn's default user database is read when it exists and the configuration holds no credentials of its own", () => {
  const dir = mkdtempSync(join(tmpdir(), 'turnpike-default-db-'));
  const file = join(dir, 'turndb');
  writeFileSync(file, '');
  process.env.TURNPIKE_DEFAULT_USERDB = file;
  try {
    const { config, warnings } = loadFile('realm=r\nlt-cred-mech\n');
    assert.deepEqual(config.userDb, { kind: 'sqlite', connection: file });
    assert.ok(warnings.some((w) => w.message.includes(`reading coturn's default one, ${file}`)));
    assert.deepEqual(loadFile('realm=r\nuse-auth-secret\n').config.userDb, { kind: 'sqlite', connection: file });
    // Credentials in the configuration itself: the default file is not opened.
    assert.equal(loadFile('realm=r\nuser=u:p\n').config.userDb, undefined);
    assert.equal(loadFile('realm=r\nstatic-auth-secret=s\n').config.userDb, undefined);
    assert.equal(loadFile('no-auth\n').config.userDb, undefined);
  } finally {
    process.env.TURNPIKE_DEFAULT_USERDB = '/nonexistent/turndb';
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no-auth, stun-only, users or a REST secret each satisfy the open-relay check', () => {
  assert.equal(loadFile('no-auth\n').config.noAuth, true);
  assert.equal(loadFile('stun-only\n').config.stunOnly, true);
  assert.equal(loadFile('realm=r\nuser=u:p\n').config.users.length, 1);
  assert.equal(loadFile('realm=r\nuse-auth-secret\nstatic-auth-secret=s\n').config.useAuthSecret, true);
});

test('a refused user value does not show the password or key', () => {
  const error = refusal('realm=r\nuser=bob:0xnot-a-real-key\nuser=alice:pw\n');
  assert.deepEqual(error.problems, [
    "turnserver.conf:2: option 'user' has value 'bob:***': expected 'NAME:PASSWORD' or 'NAME:0x' followed by the 32 hex digits of the key (turnadmin -k)",
  ]);
});

test('Turnpike-only options take effect', () => {
  const { config } = loadFile(
    `${creds}stateless-nonce-secret=fleet\nstateless-nonce-secret=old\nstateless-nonce-secret=older\nunauthenticated-burst=50\nauthenticated-source-rate-limit=2000\nauthenticated-source-seconds=60\nlog-format=json\nmax-permissions-per-allocation=10\nmax-channels-per-allocation=4096\nunauthenticated-rate-limit=0\nhttp-port=0\nhttp-ip=::1\napi-key=k1\napi-key=k2\n`,
  );
  assert.equal(config.statelessNonceSecret, 'fleet');
  assert.deepEqual(config.statelessNoncePreviousSecrets, ['old', 'older'], 'the first signs; the rest are a rotation');
  assert.equal(config.unauthenticatedBurst, 50);
  assert.equal(config.authenticatedSourceRateLimit, 2000);
  assert.equal(config.authenticatedSourceSeconds, 60);
  assert.equal(config.log.format, 'json');
  assert.equal(config.maxPermissionsPerAllocation, 10);
  assert.equal(config.maxChannelsPerAllocation, 4096);
  assert.equal(config.unauthenticatedRateLimit, 0);
  assert.equal(config.httpPort, 0);
  assert.equal(config.httpIp, '::1');
  assert.deepEqual(config.apiKeys, ['k1', 'k2']);
  assert.match(refusal(`${creds}max-channels-per-allocation=4097\n`).problems[0], /expected an integer 1-4096/);
  assert.match(refusal(`${creds}log-format=xml\n`).problems[0], /expected one of text, json/);
});
