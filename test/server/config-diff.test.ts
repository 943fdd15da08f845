/** What a reload applies and what it leaves for a restart, by coturn option name. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { diffConfig, mergeLive } from '../../src/server/config-diff.ts';

const load = (...args: string[]) => loadTurnserverConfig(['-n', '--realm=r', '-u', 'a:b', ...args]).config;

test('nothing changed, nothing to do', () => {
  assert.deepEqual(diffConfig(load(), load()), { live: [], needsRestart: [] });
});

test('credentials, peer policy, quotas, bandwidth, realm, log level and certificates are live; sockets need a restart', () => {
  const before = load('--min-port=50000', '--cert=/a.pem', '--pkey=/a.key');
  const after = load('-u', 'c:d', '--denied-peer-ip=203.0.113.9', '--user-quota=3', '--max-bps=1000', '-v', '--cert=/b.pem', '--pkey=/b.key', '--listening-port=4000', '--min-port=50001', '--no-tcp');
  const { live, needsRestart } = diffConfig(before, after);
  assert.deepEqual(live, ['cert', 'denied-peer-ip', 'max-bps', 'pkey', 'user', 'user-quota', 'verbose']);
  assert.deepEqual(needsRestart, ['listening-port', 'min-port', 'no-tcp']);
});

test('the merged configuration takes the live options only', () => {
  const before = load();
  const after = load('--realm=s', '--listening-port=4000', '--no-auth-pings', '-V');
  const merged = mergeLive(before, after);
  assert.equal(merged.realm, 's');
  assert.equal(merged.listeningPort, before.listeningPort, 'a restart-only option keeps its running value');
  assert.equal(merged.log.verbose, 2);
  assert.equal(before.log.verbose, 0, 'the running configuration is not modified');
});
