/**
 * `turnpike uclient` as a command: the usage text, usage errors on stderr with status 1, and
 * the report a run prints (against an in-process echo peer and Turnpike server).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startTurnServer, type RunningTurnServer } from '../../src/server/turn-server.ts';
import { startEchoPeer } from '../../src/cli/peer.ts';
import { freeRange, freeUdpTcpPort } from '../../harness/ports.ts';
import type { ToolResult } from '../../harness/children.ts';
import { runTurnpike } from '../../harness/servers.ts';

const turnpike = (args: string[]): Promise<ToolResult> => runTurnpike(args, 30_000);

let server: RunningTurnServer;
let serverPort: number;
let peer: Awaited<ReturnType<typeof startEchoPeer>>;

before(async () => {
  serverPort = await freeUdpTcpPort();
  const { min, max } = await freeRange(20);
  const { config } = loadTurnserverConfig([
    '-n', '--listening-ip=127.0.0.1', `--listening-port=${serverPort}`, '--relay-ip=127.0.0.1',
    `--min-port=${min}`, `--max-port=${max}`, '--allow-loopback-peers', '-a', '-u', 'ling:ling1234', '-r', 'demo',
  ]);
  server = await startTurnServer(config, { logger: silentLogger });
  peer = await startEchoPeer(['127.0.0.1'], 0);
});

after(async () => {
  await server?.close();
  await peer?.close();
});

test('--help prints the flags with their coturn meanings and exits 0', async () => {
  const r = await turnpike(['uclient', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: turnpike uclient \[options\] SERVER/);
  assert.match(r.stdout, /-e PEER-IP/);
  assert.match(r.stdout, /-r PEER-PORT/);
  assert.match(r.stdout, /--concurrency N/);
});

test('a command line that cannot run says why on stderr and exits 1', async () => {
  const r = await turnpike(['uclient', '-x', '-X', '-e', '::1', '127.0.0.1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^turnpike uclient: -x \(IPv6 relay\) and -X \(IPv4 relay\) exclude each other/);
  assert.equal(r.stdout, '');
});

test('a run prints the coturn-style report; -v adds per-client lines', async () => {
  const r = await turnpike(['uclient', '-v', '-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer.ports[0]), '-m', '2', '-n', '10', '-z', '0', '-p', String(serverPort), '127.0.0.1']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^client 0: relayed 127\.0\.0\.1:\d+, mapped 127\.0\.0\.1:\d+$/m);
  assert.match(r.stdout, /^tot_send_msgs=20, tot_recv_msgs=20$/m);
  assert.match(r.stdout, /^Total lost packets 0 \(0\.000000%\), total send dropped 0 \(0\.000000%\)$/m);
  assert.match(r.stdout, /^Average round trip delay [\d.]+ ms; min = [\d.]+ ms, max = [\d.]+ ms$/m);
});

test('--json keeps stdout to one JSON object, progress goes to stderr', async () => {
  const r = await turnpike(['uclient', '--json', '-v', '-c', '-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer.ports[0]), '-n', '3', '-z', '0', '-p', String(serverPort), '127.0.0.1']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.receivedMessages, 3);
  assert.match(r.stderr, /client 0: relayed/);
});
