import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/errors.ts';
import { ConfigError, loadTurnserverConfig } from '../../src/config/index.ts';

/** Loads a command line with no file and a credential, so only the options under test matter. */
function load(...argv: string[]) {
  return loadTurnserverConfig(['-n', '-u', 'u:p', '-r', 'r', ...argv], { defaultConfigPaths: [] });
}

function problems(...argv: string[]): string[] {
  try {
    loadTurnserverConfig(['-n', ...argv], { defaultConfigPaths: [] });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return [...error.problems];
  }
  assert.fail('expected the command line to be refused');
}

test('long options: --name=value and --name value', () => {
  const { config } = load('--min-port=10000', '--max-port', '20000');
  assert.equal(config.minPort, 10000);
  assert.equal(config.maxPort, 20000);
});

test('short options: -p 3478 and -p3478', () => {
  assert.equal(load('-p', '4000').config.listeningPort, 4000);
  assert.equal(load('-p4001').config.listeningPort, 4001);
});

test('bundled short flags -afv, and a bundle whose last letter takes a value', () => {
  const { config } = load('-afv', '-Sfp', '3479');
  assert.equal(config.ltCredMech, true);
  assert.equal(config.fingerprint, true);
  assert.equal(config.log.verbose, 1);
  assert.equal(config.stunOnly, true);
  assert.equal(config.listeningPort, 3479);
  assert.equal(load('-fp3480').config.listeningPort, 3480);
});

test('repeatable options add up; single-valued ones keep the last', () => {
  const { config } = load('-L', '127.0.0.1', '--listening-ip=::1', '-p', '1', '-p', '2');
  assert.deepEqual(config.listeningIps, ['127.0.0.1', '::1']);
  assert.equal(config.listeningPort, 2);
});

test('flags take on/off words only after =', () => {
  assert.equal(load('--fingerprint=off').config.fingerprint, false);
  assert.equal(load('-f', '--fingerprint=no').config.fingerprint, false);
  assert.equal(load('--fingerprint=yes').config.fingerprint, true);
  assert.match(problems('--fingerprint=maybe')[0], /^command line: option '--fingerprint' has value 'maybe': expected a boolean/);
});

test('an optional value is taken only after =; the bare option means its coturn default', () => {
  assert.equal(load('--stale-nonce').config.staleNonce, 600);
  assert.equal(load('--stale-nonce=0').config.staleNonce, 0);
  assert.equal(load('--max-allocate-lifetime=1800').config.maxAllocateLifetime, 1800);
  assert.deepEqual(problems('--stale-nonce', '300'), [
    "command line: unexpected argument '300' — '--stale-nonce' takes a value only as '--stale-nonce=300'",
  ]);
});

test('a value is missing at the end, or when the next word is a long option', () => {
  assert.deepEqual(problems('--min-port'), ["command line: option '--min-port' needs a value: expected an integer 0-65535"]);
  assert.deepEqual(problems('--realm', '--fingerprint'), ["command line: option '--realm' needs a value: expected a realm name"]);
  assert.deepEqual(problems('-r'), ["command line: option '-r' needs a value: expected a realm name"]);
});

test('a bad value names the option as written, the value and what is expected', () => {
  assert.deepEqual(problems('-z', '--min-port=abc'), ["command line: option '--min-port' has value 'abc': expected an integer 0-65535"]);
  assert.deepEqual(problems('-z', '-p', '70000'), ["command line: option '-p' has value '70000': expected an integer 0-65535"]);
});

test('unknown options, with a suggestion for near misses and prefixes', () => {
  assert.deepEqual(problems('-z', '--min-prot=1'), ["command line: option '--min-prot' is unknown — did you mean '--min-port'?"]);
  assert.deepEqual(problems('-z', '--lt-cred'), ["command line: option '--lt-cred' is unknown — did you mean '--lt-cred-mech'?"]);
  assert.deepEqual(problems('-z', '--frobnicate'), ["command line: option '--frobnicate' is unknown"]);
  assert.deepEqual(problems('-z', '-Y'), ["command line: option '-Y' is unknown"]);
});

test('a short option with = and a long option with one dash are explained', () => {
  assert.deepEqual(problems('-z', '-p=5'), ["command line: option '-p' has value '=5': a short option takes its value without '=' (-p 5)"]);
  assert.deepEqual(problems('-z', '-listening-port=4'), ["command line: option '-listening-port=4' has one dash: write '--listening-port=4'"]);
});

test('stray words and everything after -- are refused', () => {
  assert.deepEqual(problems('-z', 'extra'), ["command line: unexpected argument 'extra' — options start with - or --"]);
  assert.deepEqual(problems('-z', '--', '-v'), ["command line: unexpected argument '-v' — options start with - or --"]);
});

test('-h and --help ask for help before anything is checked', () => {
  assert.equal(loadTurnserverConfig(['-h', '--nonsense'], { defaultConfigPaths: [] }).help, true);
  assert.equal(loadTurnserverConfig(['--help'], { defaultConfigPaths: [] }).help, true);
  assert.equal(loadTurnserverConfig(['-afh'], { defaultConfigPaths: [] }).help, true);
  assert.equal(load().help, false);
  assert.equal(loadTurnserverConfig(['--version'], { defaultConfigPaths: [] }).version, true);
});

test('--help takes no value', () => {
  assert.deepEqual(problems('-z', '--help=yes'), ["command line: option '--help' takes no value"]);
});

test('unsupported and removed options on the command line', () => {
  try {
    loadTurnserverConfig(['-n', '-z', '--relay-device', 'eth0', '-J', 'mongodb://localhost/coturn'], { defaultConfigPaths: [] });
    assert.fail('expected a refusal');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, ErrorCode.CONFIG_UNSUPPORTED);
    assert.deepEqual(error.problems, [
      "command line: option '--relay-device' is not supported — Turnpike's sockets cannot be bound to a device (SO_BINDTODEVICE is not in its socket layer); list the device's addresses with relay-ip",
      "command line: option '-J' is not supported — no MongoDB server can run where Turnpike is tested, so no MongoDB backend ships untested; move the users with turnadmin to SQLite, PostgreSQL, MySQL or Redis",
    ]);
  }
  assert.match(problems('-z', '--no-loopback-peers')[0], /^command line: option '--no-loopback-peers' was removed from coturn \(CVE-2020-26262\)/);
});

test('coturn aliases work: --db, --sql-userdb, --prod', () => {
  assert.deepEqual(load('--db=/x', '-a').config.userDb, { kind: 'sqlite', connection: '/x' });
  assert.deepEqual(load('--sql-userdb=host=x', '-a').config.userDb, { kind: 'postgresql', connection: 'host=x' });
  assert.equal(load('--prod').config.noSoftwareAttribute, true);
});

test('-K takes a value on the command line, as in coturn getopt string', () => {
  // Were -K a plain flag, 'x' would be a stray word; it is consumed and -K is reported alone.
  assert.deepEqual(problems('-z', '-K', 'x'), ["command line: option '-K' has value 'x': expected a boolean: on/off, yes/no, true/false or 1/0"]);
  assert.equal(load('-z', '-K', '1').config.allocationDefaultAddressFamily, 'keep');
});

test('every problem on a command line is listed, in order', () => {
  const found = problems('--min-prot=3', '--min-port', 'abc', '-Y', '-X', 'nope');
  assert.deepEqual(found.map((p) => p.replace(/:.*/, '')), ['command line', 'command line', 'command line', 'command line']);
  assert.match(found[0], /min-prot/);
  assert.match(found[1], /'abc'/);
  assert.match(found[2], /'-Y'/);
  assert.match(found[3], /'nope'/);
});
