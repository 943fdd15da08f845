/** The usual deployment mistakes, warned about at start-up. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { startupWarnings } from '../../src/server/startup-checks.ts';

const LOCAL = new Set(['127.0.0.1', '::1', '10.0.0.5']);
const fixture = (name: string): string => fileURLToPath(new URL(`../http/fixtures/${name}`, import.meta.url));
const load = (...args: string[]) => loadTurnserverConfig(['-n', '--realm=example.org', '-u', 'a:b', ...args]).config;
const options = (...args: string[]) => startupWarnings(load(...args), LOCAL).map((w) => w.option);

test('a sound configuration warns of nothing', () => {
  assert.deepEqual(options('--listening-ip=10.0.0.5', '--external-ip=203.0.113.1/10.0.0.5'), []);
});

test('a listening-ip the machine lacks', () => {
  assert.deepEqual(options('--listening-ip=203.0.113.1'), ['listening-ip']);
});

test('every 127/8 address is local on the loopback interface (RFC 5780 test set-ups use 127.0.0.2)', () => {
  assert.deepEqual(options('--listening-ip=127.0.0.1', '--listening-ip=127.0.0.2'), []);
});

test('a public external-ip without relay-ip or /PRIVATE', () => {
  assert.deepEqual(options('--external-ip=203.0.113.1'), ['external-ip']);
  assert.deepEqual(options('--external-ip=203.0.113.1', '--relay-ip=10.0.0.5'), []);
});

test('a relay range smaller than total-quota', () => {
  assert.deepEqual(options('--min-port=50000', '--max-port=50009', '--total-quota=20'), ['total-quota']);
});

test('a certificate that names neither the realm nor an address', () => {
  const tls = [`--cert=${fixture('localhost-cert.pem')}`, `--pkey=${fixture('localhost-key.pem')}`];
  assert.deepEqual(options(...tls), ['cert']);
  assert.deepEqual(startupWarnings(loadTurnserverConfig(['-n', '--realm=localhost', '-u', 'a:b', ...tls]).config, LOCAL), []);
});
