/**
 * The bench runs end to end on a tiny load and prints every figure for both servers and the
 * ratios. It never judges the numbers: speed is for reading, not for asserting.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coturnInstalled } from '../../bench/lib/servers.ts';
import { runBench } from './run-bench.ts';

describe('bench/turn-relay.ts', { skip: coturnInstalled() ? false : 'coturn (turnserver, turnutils_uclient, turnutils_peer) is not installed' }, () => {
  it('runs --tiny against coturn and Turnpike and prints the machine, every figure and the ratios', { timeout: 120_000 }, async () => {
    const { code, out } = await runBench('turn-relay', ['--tiny', '--json']);
    assert.equal(code, 0, out);
    assert.match(out, /^machine: .+ cores, .+ Node\.js v\d+.+ coturn \d/m);
    assert.match(out, /^coturn: +\/usr\/bin\/turnserver -n -m 1 --no-cli --no-tls --no-dtls /m);
    assert.match(out, /^turnpike: +node bin\/turnpike\.js turnserver -n -m 1 .* --rfc5766-channel-numbers/m);
    for (const kind of ['coturn', 'turnpike']) {
      const line = new RegExp(`^round 1  ${kind} +echoed msg/s +[\\d,]+  loss [\\d.]+%  CPU [\\d.]+ µs/msg .*allocations/s [\\d,]+  CPU [\\d.]+ µs/allocation  RSS -?\\d+ KiB/1000 allocations$`, 'm');
      assert.match(out, line);
    }
    for (const label of ['echoed messages/s', 'loss', 'server CPU µs per echoed message', 'allocation set-ups/s', 'server CPU µs per set-up', 'RSS KiB per 1,000 allocations']) {
      assert.match(out, new RegExp(`^${label} +\\S+ +\\S+ +\\S+$`, 'm'), `summary row '${label}'`);
    }
    const json = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { rounds: { kind: string; received: number; allocationsFailed: number }[] };
    assert.deepEqual(json.rounds.map((r) => r.kind).sort(), ['coturn', 'turnpike']);
    // Both servers relayed the load and set up every allocation: a figure of nothing is no figure.
    for (const r of json.rounds) {
      assert.ok(r.received > 0, `${r.kind} echoed nothing`);
      assert.equal(r.allocationsFailed, 0, `${r.kind} failed set-ups`);
    }
  });

  it('prints its usage for --help', async () => {
    const { code, out } = await runBench('turn-relay', ['--help']);
    assert.equal(code, 0);
    assert.match(out, /--rounds N/);
    assert.match(out, /--tiny/);
  });
});
