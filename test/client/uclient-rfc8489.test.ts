/**
 * `turnpike uclient --sha256 --userhash` against an in-process Turnpike server (RFC 8489
 * §9.2.3): the server's credential store holds a SHA-256 key that matches the password and an
 * MD5 key that does not, and records how each request named its user, so a run that relays
 * proves the flags reached the wire: SHA-256 chosen, the user named by USERHASH.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startTurnServer, type RunningTurnServer } from '../../src/server/turn-server.ts';
import { startEchoPeer } from '../../src/cli/peer.ts';
import { parseUclientArgs } from '../../src/client/uclient-options.ts';
import { runUclient } from '../../src/client/uclient-run.ts';
import type { UclientSummary } from '../../src/client/uclient-report.ts';
import type { CredentialStore } from '../../src/auth/credential-store.ts';
import { longTermKey, longTermKeySha256 } from '../../src/auth/long-term-key.ts';
import { userhashOf } from '../../src/auth/password-algorithms.ts';
import { freeRange, freeUdpTcpPort } from '../../harness/ports.ts';

const REALM = 'demo';
let server: RunningTurnServer;
let port: number;
let peer: Awaited<ReturnType<typeof startEchoPeer>>;
/** names the store was asked for, and USERHASHes it resolved */
const asked = { byName: 0, byUserhash: 0 };

/** ling's MD5 key is for another password: only SHA-256 (RFC 8489 §18.5) lets ling in. */
const store: CredentialStore = {
  lookup(username, realm) {
    asked.byName++;
    if (username !== 'ling' || realm !== REALM) return { keys: [], reason: 'unknown-user' };
    return { keys: [longTermKey('ling', REALM, 'not-the-password')], sha256Keys: [longTermKeySha256('ling', REALM, 'ling1234')] };
  },
  resolveUserhash(userhash, realm) {
    asked.byUserhash++;
    return userhashOf('ling', realm).equals(userhash) ? 'ling' : undefined;
  },
};

before(async () => {
  port = await freeUdpTcpPort();
  const { min, max } = await freeRange(20);
  const { config } = loadTurnserverConfig([
    '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1',
    `--min-port=${min}`, `--max-port=${max}`, '--allow-loopback-peers', '-a', '-r', REALM,
  ]);
  server = await startTurnServer(config, { logger: silentLogger, store });
  peer = await startEchoPeer(['127.0.0.1'], 0);
});

after(async () => {
  await server?.close();
  await peer?.close();
});

async function run(flags: string): Promise<UclientSummary> {
  const r = parseUclientArgs([...flags.split(' ').filter(Boolean), '-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer.ports[0]), '-c', '-m', '2', '-n', '10', '-z', '0', '-p', String(port), '127.0.0.1']);
  if (r.help) throw new Error('unexpected --help');
  return runUclient(r.options, { verbose: () => {} });
}

test('without --sha256 the client signs with MD5 keys (RFC 5389 behaviour): 401 here', async () => {
  const s = await run('');
  assert.equal(s.readyClients, 0);
  assert.ok(s.failures.every((f) => f.step === 'allocate' && /Unauthorized/.test(f.reason)), JSON.stringify(s.failures));
});

test('--sha256: SHA-256 chosen, every message relayed', async () => {
  const s = await run('--sha256');
  assert.deepEqual(s.failures, []);
  assert.equal(s.receivedMessages, 20);
});

test('--sha256 --userhash: the user is named by USERHASH only, every message relayed', async () => {
  asked.byName = 0;
  asked.byUserhash = 0;
  const s = await run('--sha256 --userhash');
  assert.deepEqual(s.failures, []);
  assert.equal(s.receivedMessages, 20);
  assert.ok(asked.byUserhash >= 2, `USERHASH resolved ${asked.byUserhash} times`);
  assert.equal(asked.byName, asked.byUserhash, 'every look-up came through a USERHASH');
});
