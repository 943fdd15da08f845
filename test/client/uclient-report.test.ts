import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RelayStats } from '../../src/client/relay-stats.ts';
import { exitStatus, formatReport, summarize, summaryJson, type RunFacts } from '../../src/client/uclient-report.ts';

const facts: RunFacts = {
  server: '127.0.0.1:3478', transport: 'UDP', method: 'ChannelData', clientToClient: false,
  clients: 10, readyClients: 10, allocations: 20, failures: [], setupSeconds: 0.5, transmitSeconds: 4,
};

function statsOf(sent: number, rtts: number[]): RelayStats {
  const s = new RelayStats();
  for (let i = 0; i < sent; i++) s.recordSent(170);
  let prev = NaN;
  for (const r of rtts) {
    s.recordEcho(170, r, prev);
    prev = r;
  }
  return s;
}

test('round trips give min, max, mean and the mean change between consecutive ones', () => {
  const s = summarize(facts, statsOf(4, [1, 3, 2, 2]));
  assert.deepEqual(s.rttMs, { avg: 2, min: 1, max: 3 });
  assert.deepEqual(s.jitterMs, { avg: 1, min: 0, max: 2 });
  assert.equal(summarize(facts, statsOf(4, [])).rttMs, null);
});

test("the text report speaks coturn's words, so scripts that read turnutils_uclient read it too", () => {
  const lines = formatReport(summarize(facts, statsOf(2000, Array(1990).fill(0.25))));
  const text = lines.join('\n');
  assert.match(text, /^tot_send_msgs=2000, tot_recv_msgs=1990$/m);
  assert.match(text, /^tot_send_bytes ~ 340000, tot_recv_bytes ~ 338300$/m);
  assert.match(text, /^Total lost packets 10 \(0\.500000%\), total send dropped 0 \(0\.000000%\)$/m);
  assert.match(text, /^Average round trip delay 0\.250 ms; min = 0\.250 ms, max = 0\.250 ms$/m);
  assert.match(text, /^Total connect time is 0\.500 s: 10 of 10 clients ready, 20 allocations, 40\.0 allocations\/s$/m);
  assert.match(text, /^Rate 500\.0 msgs\/s sent, 497\.5 msgs\/s received$/m);
});

test('failures are listed (ten at most) and a run where nothing was set up says so', () => {
  const failures = Array.from({ length: 12 }, (_, client) => ({ client, step: 'allocate' as const, reason: '401 Unauthorized' }));
  const lines = formatReport(summarize({ ...facts, readyClients: 0, allocations: 0, failures }, new RelayStats()));
  assert.equal(lines[0], 'client 0: allocate failed: 401 Unauthorized');
  assert.equal(lines[10], '... and 2 more failures');
  assert.equal(lines.at(-1), 'No client could be set up: nothing sent');
  assert.ok(!lines.some((l) => l.startsWith('Total lost packets')));
});

test('the JSON summary is one parseable line with the figures the benchmark reads', () => {
  const j = JSON.parse(summaryJson(summarize(facts, statsOf(10, [1, 1]))));
  assert.equal(j.sentMessages, 10);
  assert.equal(j.receivedMessages, 2);
  assert.equal(j.lostMessages, 8);
  assert.equal(j.lossPercent, 80);
  assert.equal(j.allocationsPerSecond, 40);
  assert.equal(j.sentPerSecond, 2.5);
  assert.deepEqual(j.rttMs, { avg: 1, min: 1, max: 1 });
});

test('exit status: 1 for a client not set up, 1 for loss only with --fail-on-loss', () => {
  const clean = summarize(facts, statsOf(2, [1, 1]));
  const lossy = summarize(facts, statsOf(2, [1]));
  const failed = summarize({ ...facts, readyClients: 9, failures: [{ client: 3, step: 'channel-bind', reason: '400 Bad Request' }] }, statsOf(2, [1, 1]));
  assert.equal(exitStatus(clean, true), 0);
  assert.equal(exitStatus(lossy, false), 0);
  assert.equal(exitStatus(lossy, true), 1);
  assert.equal(exitStatus(failed, false), 1);
});
