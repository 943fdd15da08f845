/**
 * The fleet set-up bench runs end to end on a tiny load: every configuration (alone, statsdb,
 * fleet, fleet+quota) sets up and releases its allocations without a failure, and the Redis
 * command counts per set-up are what the design says (0; SET + PUBLISH; the same; plus the
 * quota EVAL). It never judges the speed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { runBench } from './run-bench.ts';

const noRedis = spawnSync('redis-server', ['--version']).status === 0 ? false : 'redis-server is not installed';

describe('bench/fleet-setups.ts', { skip: noRedis }, () => {
  it('runs a tiny load on every configuration and counts Redis commands per set-up', { timeout: 60_000 }, async () => {
    const { code, out } = await runBench('fleet-setups', ['--allocations', '40', '--concurrency', '10', '--rounds', '1', '--warm-up', '5']);
    assert.equal(code, 0, out);
    assert.match(out, /^machine: .+ cores/m);
    assert.match(out, /^alone +\d+ \(100%\) +none/m);
    assert.match(out, /^statsdb +\d+ \(\d+%\) +(set 1\.00, publish 1\.00|publish 1\.00, set 1\.00) /m);
    assert.match(out, /^fleet +\d+ \(\d+%\) +(set 1\.00, publish 1\.00|publish 1\.00, set 1\.00) /m);
    assert.match(out, /^fleet\+quota .*eval 1\.00/m);
    assert.match(out, /^fleet\+quota .*zrem 2\.00/m);
  });
});
