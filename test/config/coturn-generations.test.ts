/**
 * coturn 4.6 and coturn 4.7+ options side by side: the switches coturn turned around
 * (rfc5780, software-attribute, stun-backward-compatibility, dtls, cli, tlsv1), mixtures of
 * the two generations meaning what they mean to coturn 4.17, the options whose effect does
 * not depend on their place (log-min-level, cpus, unauthorized-ratelimit), the address
 * forms of the redirection options, and the refusal of the old short-term mechanism.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/errors.ts';
import { ConfigError, loadTurnserverConfig } from '../../src/config/index.ts';

const fixture = (name: string) => new URL(`../fixtures/config/${name}`, import.meta.url).pathname;

/** Loads a command line with no file and a credential, so only the options under test matter. */
function load(...argv: string[]) {
  return loadTurnserverConfig(['-n', '-a', '-u', 'u:p', '-r', 'r', ...argv], { defaultConfigPaths: [] });
}

/** Loads a file (given as text) plus a command line. */
function loadFile(text: string, ...argv: string[]) {
  const readFile = (path: string): string => {
    if (path === '/t.conf') return text;
    throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  };
  return loadTurnserverConfig(['-c', '/t.conf', ...argv], { readFile });
}

function refusal(...argv: string[]): ConfigError {
  try {
    loadTurnserverConfig(['-n', ...argv], { defaultConfigPaths: [] });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail('expected start-up to be refused');
}

const warned = (argv: string[]) => load(...argv).warnings.map((w) => w.option);

test('rfc5780 is off by default, on with rfc5780, and no-rfc5780 never cancels it (coturn 4.17)', () => {
  assert.equal(load().config.rfc5780, false);
  assert.equal(load('--no-rfc5780').config.rfc5780, false);
  assert.equal(load('--rfc5780').config.rfc5780, true);
  assert.equal(load('--no-rfc5780', '--rfc5780').config.rfc5780, true);
  assert.equal(load('--rfc5780', '--no-rfc5780').config.rfc5780, true);
  assert.equal(loadFile('user=u:p\nrfc5780\nno-rfc5780\n').config.rfc5780, true);
  // The file says rfc5780; the command line's no-rfc5780 does not take it back either.
  assert.equal(loadFile('user=u:p\nrfc5780\n', '--no-rfc5780').config.rfc5780, true);
  assert.equal(load('--rfc5780=off').config.rfc5780, false);
});

test('software-attribute and no-software-attribute (and prod): the last one counts', () => {
  assert.equal(load().config.noSoftwareAttribute, false);
  assert.equal(load('--no-software-attribute', '--software-attribute').config.noSoftwareAttribute, false);
  assert.equal(load('--software-attribute', '--no-software-attribute').config.noSoftwareAttribute, true);
  assert.equal(load('--software-attribute', '--prod').config.noSoftwareAttribute, true);
  assert.equal(load('--no-software-attribute', '--software-attribute=off').config.noSoftwareAttribute, true);
  assert.equal(loadFile('user=u:p\nno-software-attribute\nsoftware-attribute\n').config.noSoftwareAttribute, false);
  assert.equal(loadFile('user=u:p\nsoftware-attribute\n', '--no-software-attribute').config.noSoftwareAttribute, true);
});

test('stun-backward-compatibility, rfc3489-compatibility and no-stun-backward-compatibility: one switch, the last one counts', () => {
  assert.equal(load().config.noStunBackwardCompatibility, false);
  assert.equal(load('--stun-backward-compatibility=off').config.noStunBackwardCompatibility, true);
  assert.equal(load('--rfc3489-compatibility=false').config.noStunBackwardCompatibility, true);
  assert.equal(load('--no-stun-backward-compatibility', '--stun-backward-compatibility').config.noStunBackwardCompatibility, false);
  assert.equal(load('--stun-backward-compatibility', '--no-stun-backward-compatibility').config.noStunBackwardCompatibility, true);
  assert.equal(load('--no-stun-backward-compatibility', '--rfc3489-compatibility').config.noStunBackwardCompatibility, false);
});

test('dtls and no-dtls: the last one counts; without either DTLS follows cert and pkey', () => {
  assert.equal(load().config.noDtls, false);
  assert.equal(load('--dtls=off').config.noDtls, true);
  assert.equal(load('--no-dtls', '--dtls').config.noDtls, false);
  assert.equal(load('--dtls', '--no-dtls').config.noDtls, true);
  assert.equal(load('--no-dtls=false').config.noDtls, false);
});

test('cli, tlsv1 and tlsv1_1 are accepted with a warning; no-cli, no-tlsv1 and no-tlsv1_1 silently', () => {
  assert.deepEqual(warned(['--cli', '--tlsv1', '--tlsv1_1']), ['cli', 'tlsv1', 'tlsv1_1']);
  assert.deepEqual(warned(['--no-cli', '--no-tlsv1', '--no-tlsv1_1']), []);
  assert.match(load('--tlsv1').warnings[0].message, /TLS 1\.2 and 1\.3 only/);
});

test('log-min-level: info and above cancel -v and -V whatever the order; debug changes nothing', () => {
  assert.equal(load('-V', '--log-min-level=debug').config.log.verbose, 2);
  assert.equal(load('-V', '--log-min-level=info').config.log.verbose, 0);
  assert.equal(load('--log-min-level=INFO', '-v').config.log.verbose, 0);
  const { config, warnings } = load('--log-min-level=warning', '-v');
  assert.equal(config.log.verbose, 0);
  assert.deepEqual(warnings.map((w) => w.option), ['log-min-level']);
  assert.match(warnings[0].message, /still writes its info lines/);
  assert.deepEqual(refusal('-z', '--log-min-level=loud').problems, [
    "command line: option '--log-min-level' has value 'loud': expected one of debug, info, warning, error",
  ]);
});

test('cpus is the default of relay-threads; relay-threads, wherever it stands, wins', () => {
  assert.equal(load('--cpus=3').config.relayThreads, 3);
  assert.equal(load('--cpus=3', '-m', '5').config.relayThreads, 5);
  assert.equal(load('-m', '5', '--cpus=3').config.relayThreads, 5);
  assert.equal(load('--relay-threads=0', '--cpus=3').config.relayThreads, 0);
  assert.match(refusal('-z', '--cpus=0').problems[0], /expected an integer 1-65535/);
});

test("unauthorized-ratelimit and its rps set Turnpike's unauthenticated limit, whatever their order", () => {
  assert.equal(load().config.unauthenticatedRateLimit, 20);
  assert.equal(load('--unauthorized-ratelimit').config.unauthenticatedRateLimit, 10);
  assert.equal(load('--unauthorized-ratelimit-rps=7', '--unauthorized-ratelimit').config.unauthenticatedRateLimit, 7);
  assert.equal(load('--unauthorized-ratelimit', '--unauthorized-ratelimit-rps=7').config.unauthenticatedRateLimit, 7);
  assert.equal(load('--unauthorized-ratelimit-rps=7').config.unauthenticatedRateLimit, 7);
  const off = load('--unauthorized-ratelimit-rps=7', '--unauthorized-ratelimit=off');
  assert.equal(off.config.unauthenticatedRateLimit, 0);
  assert.deepEqual(off.warnings.map((w) => w.option), ['unauthorized-ratelimit']);
});

test('alternate-server, tls-alternate-server, aux-server and the per-transport lists take IP, IPv4:PORT and [IPv6]:PORT', () => {
  const { config } = load(
    '--alternate-server=192.0.2.1', '--alternate-server=192.0.2.2:3479', '--tls-alternate-server=[2001:db8::1]:5350',
    '--tls-alternate-server=2001:db8::2', '--aux-server=127.0.0.1:3500', '--udp-alternate-server=[::1]', '--tcp-alternate-server=192.0.2.3:80',
  );
  assert.deepEqual(config.alternateServers, [{ ip: '192.0.2.1', port: 0 }, { ip: '192.0.2.2', port: 3479 }]);
  assert.deepEqual(config.tlsAlternateServers, [{ ip: '2001:db8::1', port: 5350 }, { ip: '2001:db8::2', port: 0 }]);
  assert.deepEqual(config.auxServers, [{ ip: '127.0.0.1', port: 3500 }]);
  assert.deepEqual(config.udpAlternateServers, [{ ip: '::1', port: 0 }]);
  assert.deepEqual(config.tcpAlternateServers, [{ ip: '192.0.2.3', port: 80 }]);
  for (const bad of ['turn.example.org', '192.0.2.1:70000', '[192.0.2.1]:3478', '2001:db8::1:x', '[2001:db8::1]:', '192.0.2.1:']) {
    assert.match(refusal('-z', `--alternate-server=${bad}`).problems[0], /expected an address 'IP', 'IPv4:PORT' or '\[IPv6\]:PORT'/, bad);
  }
});

test('keep-address-family and allocation-default-address-family choose the default relay family', () => {
  assert.equal(load().config.allocationDefaultAddressFamily, 'ipv4');
  assert.equal(load('-A', 'ipv6').config.allocationDefaultAddressFamily, 'ipv6');
  assert.equal(load('--keep-address-family').config.allocationDefaultAddressFamily, 'keep');
  // As in coturn, keep-address-family=off leaves the family as it was.
  assert.equal(load('-A', 'ipv6', '--keep-address-family=off').config.allocationDefaultAddressFamily, 'ipv6');
  assert.match(refusal('-z', '-A', 'ipv5').problems[0], /expected one of ipv4, ipv6, keep/);
});

test('prometheus-tls implies prometheus and needs a certificate: its own, or cert and pkey', () => {
  const own = load('--prometheus-tls', '--prometheus-cert=/m.pem', '--prometheus-key=/m.key').config;
  assert.deepEqual([own.prometheus, own.prometheusTls, own.prometheusCert, own.prometheusKey], [true, true, '/m.pem', '/m.key']);
  assert.equal(load('--prometheus-tls', '--cert=/c.pem', '--pkey=/k.pem').config.prometheusTls, true);
  assert.equal(load('--prometheus', '--prometheus-tls=off').config.prometheus, true);
  assert.deepEqual(refusal('-z', '--prometheus-tls').problems, [
    "command line: option 'prometheus-tls' needs a certificate and its key: prometheus-cert and prometheus-key, or cert and pkey",
  ]);
});

test('st-cred-mech stops start-up and says what to use instead, with file:line', () => {
  const error = refusal('-z', '--st-cred-mech');
  assert.equal(error.code, ErrorCode.CONFIG_INVALID);
  assert.match(error.problems[0], /^command line: option '--st-cred-mech' was removed from coturn in 2015/);
  assert.match(error.problems[0], /'lt-cred-mech'/);
  assert.match(error.problems[0], /'use-auth-secret'/);
  try {
    loadFile('user=u:p\nrealm=r\nst-cred-mech\n');
    assert.fail('expected a refusal');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.match(e.problems[0], /^\/t\.conf:3: option 'st-cred-mech' was removed/);
  }
});

test('a coturn 4.17 file is read as coturn 4.17 reads it, warning only where Turnpike differs', () => {
  const path = fixture('coturn-4.17.conf');
  const { config, warnings } = loadTurnserverConfig(['-c', path]);
  assert.equal(config.rfc5780, true);
  assert.equal(config.noSoftwareAttribute, true);
  assert.equal(config.noStunBackwardCompatibility, true);
  assert.equal(config.noDtls, false);
  assert.equal(config.log.verbose, 0);
  assert.equal(config.relayThreads, 2);
  assert.equal(config.unauthenticatedRateLimit, 15);
  assert.equal(config.sockBufSize, 1048576);
  assert.equal(config.prometheus, true);
  assert.equal(config.prometheusTls, true);
  assert.equal(config.prometheusCert, '/etc/coturn/metrics-cert.pem');
  assert.equal(config.prometheusKey, '/etc/coturn/metrics-key.pem');
  assert.deepEqual(config.alternateServers, [{ ip: '192.0.2.10', port: 0 }]);
  assert.deepEqual(config.tlsAlternateServers, [{ ip: '2001:db8::10', port: 5349 }]);
  assert.deepEqual(config.auxServers, [{ ip: '127.0.0.1', port: 3500 }]);
  assert.deepEqual(warnings.map((w) => [w.where, w.option]), [
    [`${path}:11`, 'cli'],
    [`${path}:12`, 'tlsv1_1'],
    [`${path}:22`, 'include-reason-string'],
  ]);
});
