/**
 * `turnpike serve`: STUN/TURN and the web API on embedded defaults, never an open relay. The
 * credentials the API hands out work with coturn's own client.
 */
import { after, test } from 'node:test';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { launch, type TrackedChild } from '../../harness/children.ts';
import { freeTcpPort, freeUdpTcpPort, freeRange } from '../../harness/ports.ts';
import { printed } from '../../harness/ready.ts';
import { coturnMissing, runCoturn, runTurnpike, turnpikeCommand } from '../../harness/servers.ts';
import { startEchoPeer } from '../../src/cli/peer.ts';

const UCLIENT_MISSING = coturnMissing('uclient');

/** Where these tests' `serve` keeps its database (never the machine's own data directory). */
const DATA_DIR = mkdtempSync(join(tmpdir(), 'turnpike-serve-'));
after(() => rmSync(DATA_DIR, { recursive: true, force: true }));

/** Starts `turnpike serve ARGS` and resolves once it has printed its ICE servers. */
function serve(args: string[], dataDir = DATA_DIR): Promise<TrackedChild> {
  return launch(turnpikeCommand(['serve', `--data-dir=${dataDir}`, ...args]), printed(['ice-servers']), { keep: 50_000 });
}

test('serve in loopback demo mode: pages, server info and credentials that relay', async (t) => {
  const port = await freeUdpTcpPort();
  const http = await freeTcpPort();
  const { min, max } = await freeRange(20);
  const server = await serve([
    '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1', `--min-port=${min}`, `--max-port=${max}`,
    `--http-port=${http}`, '--allow-loopback-peers', '--rfc5766-channel-numbers', '--log-file=stdout',
  ]);
  t.after(() => server.stop());
  const base = `http://127.0.0.1:${http}`;
  const info = await (await fetch(`${base}/api/server-info`)).json();
  assert.deepEqual(info.stun, [`stun:127.0.0.1:${port}`]);
  assert.deepEqual(info.turn, [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`]);
  assert.equal(info.realm, 'turnpike');
  const page = await fetch(`${base}/trickle-ice/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Trickle ICE/i);
  const cred = await (await fetch(`${base}/api/turn-credentials?service=turn&username=alice`)).json();
  assert.match(cred.username, /^\d+:alice$/);
  assert.equal(cred.ttl, 86400);
  if (UCLIENT_MISSING) return t.skip(UCLIENT_MISSING);
  const peerPorts = await freeRange(2);
  const peer = await startEchoPeer(['127.0.0.1'], peerPorts.min, true);
  t.after(() => peer.close());
  // Async: the echo peer lives in this process and must keep answering while uclient runs.
  const { code, stdout, stderr } = await runCoturn('uclient', ['-u', cred.username, '-w', cred.password, '-e', '127.0.0.1', '-r', String(peer.ports[0]), '-m', '2', '-n', '20', '-l', '100', '-p', String(port), '127.0.0.1'], 30_000);
  assert.equal(code, 0, stdout + stderr);
  assert.match(stdout, /tot_recv_msgs=40\b/);
  assert.match(stdout, /Total lost packets 0 /);
});

test('serve with an api-key: credentials need the key', async (t) => {
  const port = await freeUdpTcpPort();
  const http = await freeTcpPort();
  const server = await serve(['--listening-ip=127.0.0.1', `--listening-port=${port}`, `--http-port=${http}`, '--api-key=k3y', '--log-file=stdout']);
  t.after(() => server.stop());
  const url = `http://127.0.0.1:${http}/api/turn-credentials?service=turn&username=bob`;
  assert.equal((await fetch(url)).status, 401);
  assert.equal((await fetch(url, { headers: { authorization: 'Bearer k3y' } })).status, 200);
});

test('serve with users from the command line offers no REST endpoint and is not an open relay', async (t) => {
  const port = await freeUdpTcpPort();
  const http = await freeTcpPort();
  const server = await serve(['--listening-ip=127.0.0.1', `--listening-port=${port}`, `--http-port=${http}`, '-a', '-u', 'a:b', '--log-file=stdout']);
  t.after(() => server.stop());
  assert.equal((await fetch(`http://127.0.0.1:${http}/api/turn-credentials?service=turn&username=bob`)).status, 404);
  assert.match(server.output(), /turn-credentials-api-off/);
});

test('STUN answers on an IPv6 listening address', async (t) => {
  const port = await freeUdpTcpPort();
  const http = await freeTcpPort();
  const server = await serve(['--listening-ip=::1', `--listening-port=${port}`, `--http-port=${http}`, '--log-file=stdout']);
  t.after(() => server.stop());
  const r = await runTurnpike(['stunclient', '-p', String(port), '::1'], 10_000);
  assert.match(r.stdout, /IPv6\. UDP reflexive addr: \[::1\]:\d+/);
});

test('serve answers over https when cert and pkey are configured', async (t) => {
  const port = await freeUdpTcpPort();
  const tlsPort = await freeTcpPort();
  const http = await freeTcpPort();
  const fixture = (name: string): string => fileURLToPath(new URL(`../http/fixtures/${name}`, import.meta.url));
  const server = await serve([
    '--listening-ip=127.0.0.1', `--listening-port=${port}`, `--tls-listening-port=${tlsPort}`, `--http-port=${http}`,
    `--cert=${fixture('localhost-cert.pem')}`, `--pkey=${fixture('localhost-key.pem')}`, '--no-dtls', '--log-file=stdout',
  ]);
  t.after(() => server.stop());
  const body = await new Promise<string>((resolve, reject) => {
    https
      .get(`https://127.0.0.1:${http}/api/server-info`, { rejectUnauthorized: false }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
  assert.deepEqual(JSON.parse(body).stun, [`stun:127.0.0.1:${port}`]);
});

test('serve keeps its REST secret across restarts, and users added with turnpike turnadmin -b work at once', async (t) => {
  if (UCLIENT_MISSING) return t.skip(UCLIENT_MISSING);
  const dataDir = mkdtempSync(join(tmpdir(), 'turnpike-serve-data-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freeUdpTcpPort();
  const http = await freeTcpPort();
  const { min, max } = await freeRange(20);
  const args = [
    '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1', `--min-port=${min}`, `--max-port=${max}`,
    `--http-port=${http}`, '--allow-loopback-peers', '--rfc5766-channel-numbers', '--log-file=stdout',
  ];
  const credentials = async () => (await fetch(`http://127.0.0.1:${http}/api/turn-credentials?service=turn&username=alice`)).json();
  const first = await serve(args, dataDir);
  assert.match(first.output(), /secret="generated now and stored"/);
  const cred = await credentials();
  await first.stop();
  assert.equal(statSync(join(dataDir, 'turnpike.db')).mode & 0o077, 0, 'the database is private to its owner');

  const second = await serve(args, dataDir);
  t.after(() => second.stop());
  assert.match(second.output(), /secret="read from the database"/);
  const peerPorts = await freeRange(2);
  const peer = await startEchoPeer(['127.0.0.1'], peerPorts.min, true);
  t.after(() => peer.close());
  const uclient = (user: string, password: string) =>
    runCoturn('uclient', ['-u', user, '-w', password, '-e', '127.0.0.1', '-r', String(peer.ports[0]), '-m', '1', '-n', '10', '-l', '100', '-p', String(port), '127.0.0.1'], 30_000);
  const old = await uclient(cred.username, cred.password);
  assert.equal(old.code, 0, 'credentials handed out before the restart still work:\n' + old.stdout);
  assert.match(old.stdout, /Total lost packets 0 /);

  assert.notEqual((await uclient('ninefingers', 'bloody9')).code, 0, 'not a user yet');
  const add = await runTurnpike(['turnadmin', '-a', '-b', join(dataDir, 'turnpike.db'), '-r', 'turnpike', '-u', 'ninefingers', '-p', 'bloody9']);
  assert.equal(add.code, 0, add.stdout + add.stderr);
  const added = await uclient('ninefingers', 'bloody9');
  assert.equal(added.code, 0, 'a user added to the running server:\n' + added.stdout);
});

test('serve mounts the SFU with join tokens from TURNPIKE_SFU_JWT_SECRET, and warns when it listens beyond loopback without them', async (t) => {
  const port = await freeUdpTcpPort();
  const http = await freeTcpPort();
  const cmd = turnpikeCommand(['serve', `--data-dir=${DATA_DIR}`, '--listening-ip=127.0.0.1', `--listening-port=${port}`, `--http-port=${http}`, '--log-file=stdout']);
  const server = await launch({ ...cmd, env: { ...process.env, TURNPIKE_SFU_JWT_SECRET: 'a-join-token-secret-of-32-bytes!' } }, printed(['ice-servers']), { keep: 50_000 });
  t.after(() => server.stop());
  const ws = new WebSocket(`ws://127.0.0.1:${http}/ws`);
  await once(ws, 'open');
  ws.send(JSON.stringify({ method: 'join', params: { sid: 'A', uid: 'u1', offer: { type: 'offer', sdp: 'v=0\r\n' } }, id: 1 }));
  const reply = JSON.parse(String((await once(ws, 'message'))[0]));
  ws.close();
  assert.equal(reply.error?.code, 401, JSON.stringify(reply));
  assert.doesNotMatch(server.output(), /sfu\.auth\.open/);
  const open = await serve([`--listening-port=${await freeUdpTcpPort()}`, `--http-port=${await freeTcpPort()}`, '--http-ip=0.0.0.0', '--listening-ip=127.0.0.1', '-a', '-u', 'a:b', '--log-file=stdout']);
  t.after(() => open.stop());
  assert.match(open.output(), /sfu\.auth\.open/);
});
