/**
 * Turnpike's clients against coturn: `turnpike uclient` relays through coturn's `turnserver`
 * to `turnpike peer` with no loss over channels, Send indications and TCP client to client,
 * and `turnpike stunclient` prints coturn's answer. Then `turnpike uclient` loads `turnpike
 * turnserver` with 50 clients set up 20 at a time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { coturnAvailable, startCoturn, type RunningTurnServer } from '../helpers/coturn.ts';
import type { ToolResult } from '../../harness/children.ts';
import { runTurnpike, type Launched } from '../../harness/servers.ts';
import { startTurnpike, startTurnpikePeer } from './processes.ts';
import type { UclientSummary } from '../../src/client/uclient-report.ts';

function explain(r: ToolResult, serverLog: string): string {
  return `exit ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}\n--- server ---\n${serverLog.slice(-3000)}`;
}

/** Asserts a clean text report: exit 0, `tot_recv_msgs=<n>`, `Total lost packets 0`. */
function assertRelayed(r: ToolResult, messages: number, serverLog: () => string): void {
  assert.equal(r.code, 0, explain(r, serverLog()));
  assert.match(r.stdout, new RegExp(`^tot_send_msgs=${messages}, tot_recv_msgs=${messages}$`, 'm'), explain(r, serverLog()));
  assert.match(r.stdout, /^Total lost packets 0 \(0\.000000%\)/m, explain(r, serverLog()));
}

describe('turnpike uclient and stunclient against coturn', { skip: coturnAvailable ? false : 'coturn is not installed (apt-get install coturn)', concurrency: true }, () => {
  let coturn: RunningTurnServer;
  let peer: Launched;
  before(async () => {
    coturn = await startCoturn({ users: ['ling:ling1234'], realm: 'demo', relayPorts: 200 });
    peer = await startTurnpikePeer(['127.0.0.1']);
  });
  after(async () => {
    await peer?.stop();
    await coturn?.stop();
  });

  const uclient = (extra: string[]): Promise<ToolResult> =>
    runTurnpike(['uclient', '-u', 'ling', '-w', 'ling1234', ...extra, '-m', '10', '-n', '200', '-l', '170', '--fail-on-loss', '-p', String(coturn.port), '127.0.0.1']);

  test('over channels: 10 clients × 200 messages, all echoed', async () => {
    assertRelayed(await uclient(['-e', '127.0.0.1', '-r', String(peer.port)]), 2000, coturn.output);
  });

  test('with Send indications (-s)', async () => {
    assertRelayed(await uclient(['-s', '-e', '127.0.0.1', '-r', String(peer.port)]), 2000, coturn.output);
  });

  test('client to client over TCP (-y -t)', async () => {
    assertRelayed(await uclient(['-y', '-t']), 2000, coturn.output);
  });

  test('a wrong password: every allocation fails with 401, exit status 1', async () => {
    const r = await runTurnpike(['uclient', '-u', 'ling', '-w', 'wrong', '-e', '127.0.0.1', '-m', '2', '-p', String(coturn.port), '127.0.0.1']);
    assert.equal(r.code, 1, explain(r, coturn.output()));
    assert.match(r.stdout, /client 0: allocate failed: Unauthorized/);
    assert.doesNotMatch(r.stdout, /Total lost packets/);
  });

  test('turnpike stunclient prints the reflexive address', async () => {
    const r = await runTurnpike(['stunclient', '-p', String(coturn.port), '127.0.0.1']);
    assert.equal(r.code, 0, explain(r, coturn.output()));
    assert.match(r.stdout, /UDP reflexive addr: 127\.0\.0\.1:\d+/);
  });
});

describe('turnpike uclient against turnpike turnserver', () => {
  let server: Launched;
  let peer: Launched;
  before(async () => {
    server = await startTurnpike({ relayPorts: 300 });
    peer = await startTurnpikePeer(['127.0.0.1']);
  });
  after(async () => {
    await peer?.stop();
    await server?.stop();
  });

  test('50 clients set up 20 at a time, unpaced, reported as JSON', async () => {
    const r = await runTurnpike([
      'uclient', '--concurrency', '20', '-m', '50', '-n', '100', '-l', '170', '-z', '0', '--json', '--fail-on-loss',
      '-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer.port), '-p', String(server.port), '127.0.0.1',
    ]);
    assert.equal(r.code, 0, explain(r, server.output()));
    const s = JSON.parse(r.stdout) as UclientSummary;
    assert.deepEqual(s.failures, []);
    assert.equal(s.readyClients, 50);
    assert.equal(s.allocations, 100, 'RTP and RTCP for each client');
    assert.equal(s.sentMessages, 5000);
    assert.equal(s.receivedMessages, 5000);
    assert.equal(s.lostMessages, 0);
    assert.ok(s.allocationsPerSecond > 0 && s.receivedPerSecond > 0);
  });
});
