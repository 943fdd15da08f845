import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { defaultConfig, findLongOption, findShortOption, loadTurnserverConfig, OPTIONS, OptionStatus } from '../../src/config/index.ts';
import { ArgMode } from '../../src/config/option-spec.ts';

const fixtureNames = (name: string) =>
  readFileSync(new URL(`../fixtures/config/${name}`, import.meta.url), 'utf8').split('\n').filter(Boolean);

/** The long option names in `man turnserver`, with line-end hyphenation undone; undefined without man or coturn. */
function manPageNames(): string[] | undefined {
  try {
    const text = execFileSync('sh', ['-c', 'man turnserver 2>/dev/null | col -b'], {
      encoding: 'utf8',
      env: { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' },
    });
    if (!text.includes('turnserver')) return undefined;
    const joined = text.replace(/\u2010\n\s*/g, '');
    return [...new Set([...joined.matchAll(/--([A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9])/g)].map((m) => m[1]))];
  } catch {
    return undefined;
  }
}

const live = manPageNames();

test('every long option in the installed `man turnserver` is in the table', { skip: live === undefined && 'man or coturn is not installed' }, () => {
  const missing = (live ?? []).filter((name) => !findLongOption(name));
  assert.deepEqual(missing, []);
  assert.ok((live ?? []).length > 100);
});

test('every long option in the committed man-page list is in the table', () => {
  const names = fixtureNames('man-turnserver-options.txt');
  assert.ok(names.length > 100);
  assert.deepEqual(names.filter((name) => !findLongOption(name)), []);
});

test("every long option in coturn 4.6's getopt table (aliases too) is in the table", () => {
  assert.deepEqual(fixtureNames('coturn-4.6-long-options.txt').filter((name) => !findLongOption(name)), []);
});

test("every long option of coturn 4.17.1's getopt table is in the table", () => {
  const names = fixtureNames('coturn-4.17-long-options.txt');
  assert.ok(names.length > 140);
  assert.deepEqual(names.filter((name) => !findLongOption(name)), []);
});

/** The long option names the installed `turnserver` (4.6.1) prints for `--help`; undefined without coturn. */
function helpNames(): string[] | undefined {
  try {
    // coturn 4.6 does not know --help: it says so, prints its usage and exits non-zero.
    execFileSync('turnserver', ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return undefined;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    const out = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
    if (!out.includes('--listening-port')) return undefined;
    return [...new Set([...out.matchAll(/--([A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9])/g)].map((m) => m[1]))];
  }
}

const help = helpNames();

test("every long option the installed turnserver's --help prints is in the table", { skip: help === undefined && 'coturn is not installed' }, () => {
  // 'no_dtls' is a misspelling of no-dtls in coturn's own help text; getopt never knew it.
  const missing = (help ?? []).filter((name) => !findLongOption(name) && name !== 'no_dtls');
  assert.deepEqual(missing, []);
  assert.ok((help ?? []).length > 100);
});

test("coturn 4.6's --help names are all in the committed 4.6 list", { skip: help === undefined && 'coturn is not installed' }, () => {
  const committed = new Set(fixtureNames('coturn-4.6-long-options.txt'));
  assert.deepEqual((help ?? []).filter((name) => !committed.has(name) && !['help', 'no_dtls'].includes(name)), []);
});

test('only four options stop start-up as unsupported, each saying why', () => {
  const unsupported = OPTIONS.filter((o) => o.status === OptionStatus.Unsupported);
  assert.deepEqual(unsupported.map((o) => o.name).sort(), ['listening-device', 'mongo-userdb', 'relay-device', 'server-relay']);
  for (const option of unsupported) assert.ok(!/later|yet/.test(option.note ?? ''), option.name);
  const coturn = new Set([...fixtureNames('coturn-4.6-long-options.txt'), ...fixtureNames('coturn-4.17-long-options.txt')]);
  const removed = OPTIONS.filter((o) => o.status === OptionStatus.Removed).map((o) => o.name);
  // Removed rows are coturn's own history: no name coturn 4.17 still accepts.
  assert.deepEqual(removed.filter((name) => fixtureNames('coturn-4.17-long-options.txt').includes(name)), []);
  assert.ok(coturn.size > 150);
});

test("short letters are exactly coturn's getopt string, with the same need for a value", () => {
  const coturn = 'c:d:p:L:E:X:i:m:l:r:u:b:B:e:M:J:N:O:q:Q:s:C:K:A:vVofhznaS';
  const letters = [...coturn.matchAll(/([A-Za-z])(:?)/g)].map((m) => ({ letter: m[1], takesValue: m[2] === ':' }));
  for (const { letter, takesValue } of letters) {
    const option = findShortOption(letter);
    assert.ok(option, `-${letter}`);
    assert.equal(option.shortTakesValue && option.arg !== ArgMode.None, takesValue, `-${letter}`);
  }
  const ours = OPTIONS.flatMap((o) => (o.short ? [o.short] : [])).sort();
  assert.deepEqual(ours, letters.map((l) => l.letter).sort());
});

test('names, aliases and letters are unique', () => {
  const longs = OPTIONS.flatMap((o) => (o.name.length > 1 ? [o.name, ...o.aliases] : []));
  assert.equal(new Set(longs).size, longs.length);
  const shorts = OPTIONS.flatMap((o) => (o.short ? [o.short] : []));
  assert.equal(new Set(shorts).size, shorts.length);
});

test('every row says what coturn means, and every row that is not simply supported says why', () => {
  for (const option of OPTIONS) {
    assert.ok(option.meaning.length > 5, option.name);
    if (option.status !== OptionStatus.Supported) assert.ok(option.note && option.note.length > 10, option.name);
  }
});

test("Turnpike's own options are marked, and are not coturn's", () => {
  const coturn = new Set(fixtureNames('coturn-4.6-long-options.txt'));
  const own = OPTIONS.filter((o) => o.turnpikeOnly).map((o) => o.name);
  assert.deepEqual(own.sort(), [
    'api-key', 'authenticated-source-rate-limit', 'authenticated-source-seconds', 'data-dir', 'data-plane',
    'fleet-advertise', 'fleet-heartbeat', 'fleet-member-name', 'fleet-redirect-at', 'fleet-redirect-margin', 'fleet-redis', 'http-ip', 'http-port', 'log-format',
    'max-channels-per-allocation', 'max-permissions-per-allocation', 'rfc5766-channel-numbers', 'stateless-nonce-secret',
    'unauthenticated-burst', 'unauthenticated-rate-limit',
  ]);
  for (const name of own) assert.ok(!coturn.has(name), name);
});

/** A value that differs from the default, for each supported option. */
const SAMPLES: Record<string, string | undefined> = {
  'listening-port': '4000', 'tls-listening-port': '6000', 'alt-listening-port': '4001', 'alt-tls-listening-port': '6001',
  'listening-ip': '127.0.0.1', 'relay-ip': '127.0.0.1', 'external-ip': '203.0.113.1', 'min-port': '50000', 'max-port': '60000',
  'no-udp': undefined, 'no-tcp': undefined, 'no-tls': undefined, 'no-dtls': undefined, 'no-udp-relay': undefined, 'no-tcp-relay': undefined,
  'lt-cred-mech': undefined, 'no-auth': undefined, user: 'x:y', 'use-auth-secret': undefined, 'static-auth-secret': 's',
  'rest-api-separator': '-', realm: 'r2', 'server-name': 'n', 'stale-nonce': '60', 'max-allocate-lifetime': '60',
  'channel-lifetime': '60', 'permission-lifetime': '60', 'user-quota': '1', 'total-quota': '1', 'max-bps': '1', 'bps-capacity': '1',
  'allowed-peer-ip': '10.0.0.1', 'denied-peer-ip': '10.0.0.1', 'allow-loopback-peers': undefined, 'no-multicast-peers': undefined,
  fingerprint: undefined, 'stun-only': undefined, 'no-stun': undefined, 'secure-stun': undefined, 'no-software-attribute': undefined,
  'no-rfc5780': undefined, 'no-stun-backward-compatibility': undefined, 'response-origin-only-with-rfc5780': undefined,
  'log-file': '/tmp/t.log', 'simple-log': undefined, 'no-stdout-log': undefined, syslog: undefined, verbose: undefined, Verbose: undefined,
  pidfile: '/tmp/t.pid', 'stateless-nonce-secret': 's', 'log-format': 'json', 'max-permissions-per-allocation': '1',
  cert: '/c.pem', pkey: '/k.pem', 'pkey-pwd': 'pw', 'no-tlsv1_2': undefined, 'cipher-list': 'HIGH', 'ec-curve-name': 'prime256v1',
  'max-channels-per-allocation': '1', 'rfc5766-channel-numbers': '', 'unauthenticated-rate-limit': '1', 'unauthenticated-burst': '5', 'data-plane': 'js', 'relay-threads': '3', 'authenticated-source-rate-limit': '7', 'authenticated-source-seconds': '9', 'http-port': '1', 'http-ip': '::1', 'api-key': 'k',
  userdb: '/tmp/turndb', 'psql-userdb': 'host=h dbname=d', 'mysql-userdb': 'host=h dbname=d', 'redis-userdb': 'ip=h dbname=2',
  'secret-key-file': '/tmp/k', 'no-dynamic-ip-list': undefined, 'no-dynamic-realms': undefined, 'check-origin-consistency': undefined,
  'data-dir': '/tmp/d', 'web-admin': undefined, 'web-admin-ip': '127.0.0.2', 'web-admin-port': '8081',
  prometheus: undefined, 'prometheus-port': '9642', 'prometheus-address': '127.0.0.1', 'prometheus-path': '/m',
  'prometheus-username-labels': undefined, 'proc-user': 'turnpike', 'proc-group': 'turnpike',
  'tcp-proxy-port': '5000', 'aux-server': '127.0.0.1:4000', 'udp-self-balance': undefined, 'alternate-server': '192.0.2.1',
  'tls-alternate-server': '[2001:db8::1]:5349', dtls: 'off', oauth: undefined, rfc5780: undefined, mobility: undefined, 'CA-file': '/ca.pem',
  'sock-buf-size': '65536', 'unauthorized-ratelimit': undefined, 'unauthorized-ratelimit-rps': '5', 'software-attribute': 'off',
  'stun-backward-compatibility': 'off', 'rfc3489-compatibility': 'off', 'keep-address-family': undefined, 'allocation-default-address-family': 'ipv6',
  'log-min-level': 'info', 'prometheus-tls': undefined, 'prometheus-cert': '/c.pem', 'prometheus-key': '/k.pem', 'acme-redirect': 'http://acme.example/',
  cpus: '4', 'respond-http-unsupported': undefined, 'udp-alternate-server': '192.0.2.2:3478', 'tcp-alternate-server': '192.0.2.3',
  'redis-statsdb': 'ip=h dbname=3', 'fleet-redis': 'ip=h dbname=4', 'fleet-member-name': 'turn-a', 'fleet-advertise': '192.0.2.4:3478', 'fleet-heartbeat': '2',
  'fleet-redirect-at': '100', 'fleet-redirect-margin': '5',
};

/** What each option is tried next to: stun-only spares credentials, a few options need a companion. */
const CONTEXT: Record<string, string[]> = {
  'stun-only': ['--no-auth'],
  'no-stun': ['--no-auth'],
  'use-auth-secret': ['--stun-only', '--static-auth-secret=s', '--use-auth-secret=off'],
  'bps-capacity': ['--stun-only', '--max-bps=1'],
  cert: ['--stun-only', '--pkey=/k.pem', '--cert=/other.pem'],
  pkey: ['--stun-only', '--cert=/c.pem', '--pkey=/other.pem'],
  'log-min-level': ['--stun-only', '-v'],
  'prometheus-tls': ['--stun-only', '--cert=/c.pem', '--pkey=/k.pem'],
};

test('every supported option takes effect in the Config', () => {
  // no-cli is always in effect: Turnpike never has a telnet CLI.
  // no-tlsv1 and no-tlsv1_1 are always in effect: Node.js offers TLS 1.2 and 1.3 only.
  // stateless-nonce, drop-invalid-packets, udp-recvmmsg and udp-gso describe what Turnpike always does.
  const alwaysOn = new Set(['no-cli', 'no-tlsv1', 'no-tlsv1_1', 'stateless-nonce', 'drop-invalid-packets', 'udp-recvmmsg', 'udp-gso']);
  const supported = OPTIONS.filter((o) => o.status === OptionStatus.Supported && !o.cliOnly && !alwaysOn.has(o.name));
  assert.deepEqual(supported.map((o) => o.name).filter((n) => !(n in SAMPLES)), [], 'add a sample for each supported option');
  for (const option of supported) {
    const sample = SAMPLES[option.name];
    const context = ['-n', ...(CONTEXT[option.name] ?? ['--stun-only'])];
    const without = loadTurnserverConfig(context).config;
    const withIt = loadTurnserverConfig([...context, sample === undefined ? `--${option.name}` : `--${option.name}=${sample}`]).config;
    assert.notDeepEqual(withIt, without, option.name);
  }
  assert.deepEqual({ ...loadTurnserverConfig(['-n', '--stun-only']).config, stunOnly: false }, defaultConfig());
});

test('the Debian configuration file names only options in the table', { skip: !existsSync('/etc/turnserver.conf') }, () => {
  const text = readFileSync('/etc/turnserver.conf', 'utf8');
  // The shipped file lists every option commented out as '#name' or '#name=value'.
  const names = [...text.matchAll(/^#([A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9])(?:=|$)/gm)].map((m) => m[1]);
  const unknown = names.filter((name) => !findLongOption(name) && !['OR'].includes(name));
  assert.deepEqual(unknown, []);
});
