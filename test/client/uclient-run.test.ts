/**
 * `runUclient` against an in-process Turnpike server and echo peer on loopback: every mode
 * relays with no loss and releases its allocations; wrong credentials and refused channel
 * numbers are reported per client.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startTurnServer, type RunningTurnServer } from '../../src/server/turn-server.ts';
import { startEchoPeer } from '../../src/cli/peer.ts';
import { parseUclientArgs, type UclientOptions } from '../../src/client/uclient-options.ts';
import { runUclient } from '../../src/client/uclient-run.ts';
import { exitStatus, type UclientSummary } from '../../src/client/uclient-report.ts';
import { freeRange, freeUdpTcpPort } from '../../harness/ports.ts';

let server: RunningTurnServer;
let serverPort: number;
/** with --use-auth-secret, which (as in coturn) turns static users off */
let restServer: RunningTurnServer;
let restServerPort: number;
let peer4: Awaited<ReturnType<typeof startEchoPeer>>;
let peer6: Awaited<ReturnType<typeof startEchoPeer>>;

async function startServer(auth: string[]): Promise<{ server: RunningTurnServer; port: number }> {
  const port = await freeUdpTcpPort();
  const { min, max } = await freeRange(60);
  const { config } = loadTurnserverConfig([
    '-n', '--listening-ip=127.0.0.1', '--listening-ip=::1', `--listening-port=${port}`,
    '--relay-ip=127.0.0.1', '--relay-ip=::1', `--min-port=${min}`, `--max-port=${max}`,
    '--allow-loopback-peers', '-a', ...auth, '-r', 'demo',
  ]);
  return { server: await startTurnServer(config, { logger: silentLogger }), port };
}

before(async () => {
  ({ server, port: serverPort } = await startServer(['-u', 'ling:ling1234']));
  ({ server: restServer, port: restServerPort } = await startServer(['--use-auth-secret', '--static-auth-secret=north']));
  peer4 = await startEchoPeer(['127.0.0.1'], 0);
  peer6 = await startEchoPeer(['::1'], 0);
});

after(async () => {
  await server?.close();
  await restServer?.close();
  await peer4?.close();
  await peer6?.close();
});

function opts(args: string, port = serverPort): UclientOptions {
  const r = parseUclientArgs([...args.split(' ').filter(Boolean), '-p', String(port), '127.0.0.1']);
  if (r.help) throw new Error('unexpected --help');
  return r.options;
}

async function run(args: string, port = serverPort): Promise<UclientSummary> {
  return runUclient(opts(args, port), { verbose: () => {} });
}

function assertNoLoss(s: UclientSummary, messages: number): void {
  assert.deepEqual(s.failures, []);
  assert.equal(s.sentMessages, messages);
  assert.equal(s.receivedMessages, messages);
  assert.equal(s.lostMessages, 0);
  assert.equal(exitStatus(s, true), 0);
  assert.ok(s.rttMs !== null && s.rttMs.min >= 0 && s.rttMs.max >= s.rttMs.min);
}

function allocationsLeft(): number {
  const c = server.core.counters.snapshot();
  return c.allocationsCreated - c.allocationsDeleted;
}

test('channels over UDP: every message echoed, RTP and RTCP allocated, all released with Refresh 0', async () => {
  const s = await run(`-u ling -w ling1234 -e 127.0.0.1 -r ${peer4.ports[0]} -m 6 -n 50 -l 170 -z 0 --concurrency 3`);
  assertNoLoss(s, 300);
  assert.equal(s.allocations, 12);
  assert.equal(s.receivedBytes, 300 * 170);
  assert.equal(allocationsLeft(), 0);
});

test('Send indications without RTCP allocations (-s -c), paced', async () => {
  const s = await run(`-s -c -u ling -w ling1234 -e 127.0.0.1 -r ${peer4.ports[0]} -m 3 -n 10 -z 1`);
  assertNoLoss(s, 30);
  assert.equal(s.allocations, 3);
  assert.equal(s.method, 'Send');
});

test('client to client over TCP (-y -t): pairs bounce each other\'s messages back', async () => {
  const s = await run('-y -t -u ling -w ling1234 -m 4 -n 40 -z 0');
  assertNoLoss(s, 160);
  assert.equal(s.transport, 'TCP');
  assert.equal(allocationsLeft(), 0);
});

test('client to client with Send indications (-y -s)', async () => {
  assertNoLoss(await run('-y -s -c -u ling -w ling1234 -m 2 -n 20 -z 0'), 40);
});

test('an IPv6 relay (-x) to an IPv6 peer', async () => {
  assertNoLoss(await run(`-x -u ling -w ling1234 -e ::1 -r ${peer6.ports[0]} -m 2 -n 20 -z 0`), 40);
});

test('REST API credentials from the shared secret (-W)', async () => {
  assertNoLoss(await run(`-W north -u bob -e 127.0.0.1 -r ${peer4.ports[0]} -m 2 -n 10 -z 0`, restServerPort), 20);
  const wrong = await run(`-W south -u bob -e 127.0.0.1 -r ${peer4.ports[0]} -m 1`, restServerPort);
  assert.ok(wrong.failures.length === 1 && /Unauthorized/.test(wrong.failures[0].reason));
});

test('a wrong password fails every allocation with 401 and sends nothing', async () => {
  const s = await run(`-u ling -w wrong -e 127.0.0.1 -r ${peer4.ports[0]} -m 3 -n 10`);
  assert.equal(s.readyClients, 0);
  assert.equal(s.failures.length, 3);
  assert.ok(s.failures.every((f) => f.step === 'allocate' && /Unauthorized/.test(f.reason)));
  assert.equal(s.sentMessages, 0);
  assert.equal(exitStatus(s, false), 1);
});

test('RFC 5766 channel numbers are refused with 400 unless the server allows them', async () => {
  const s = await run(`--rfc5766-channels -c -u ling -w ling1234 -e 127.0.0.1 -r ${peer4.ports[0]} -m 2 -n 5`);
  assert.equal(s.readyClients, 0);
  assert.ok(s.failures.every((f) => f.step === 'channel-bind' && /0x5\w+: 400/.test(f.reason)), JSON.stringify(s.failures));
  assert.equal(allocationsLeft(), 0, 'the allocations are released all the same');
});

test('messages to a silent peer are counted lost, and the run still ends by itself', async () => {
  const silent = await freeUdpTcpPort();
  const s = await run(`-c -u ling -w ling1234 -e 127.0.0.1 -r ${silent} -m 2 -n 20 -z 0 --window 10`);
  assert.deepEqual(s.failures, []);
  assert.equal(s.sentMessages, 40, 'the stalled window is refilled until every message is sent');
  assert.equal(s.receivedMessages, 0);
  assert.equal(s.lossPercent, 100);
  assert.equal(exitStatus(s, false), 0);
  assert.equal(exitStatus(s, true), 1);
});

test('--duration sends until the time is up instead of -n messages', async () => {
  const s = await run(`--duration 1 -c -u ling -w ling1234 -e 127.0.0.1 -r ${peer4.ports[0]} -m 2 -n 1 -z 5`);
  assert.equal(s.lostMessages, 0);
  assert.ok(s.sentMessages > 2, `${s.sentMessages} messages`);
});

test('a server port where nothing listens fails at once, and the other clients are not tried', async () => {
  const closed = await freeUdpTcpPort();
  const s = await run('-e 127.0.0.1 -m 3', closed);
  assert.equal(s.readyClients, 0);
  assert.match(s.failures[0].reason, /port is closed/);
  assert.deepEqual(s.failures.slice(1).map((f) => [f.client, /^not tried/.test(f.reason)]), [[1, true], [2, true]]);
});
