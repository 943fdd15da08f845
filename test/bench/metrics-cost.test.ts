/**
 * The metrics-cost bench runs end to end on a tiny load (one round, 2 s, the js data plane)
 * and prints its command lines, a line per run and the table with on ÷ off and the spread. It
 * never judges the numbers: speed is for reading, not for asserting.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBench } from './run-bench.ts';

describe('bench/metrics-cost.ts', () => {
  it('runs one tiny round off and on and prints the command lines and the table', { timeout: 60_000 }, async () => {
    const { code, out } = await runBench('metrics-cost', ['--rounds', '1', '--seconds', '2', '--planes', 'js']);
    assert.equal(code, 0, out);
    assert.match(out, /^off, js +: node bin\/turnpike\.js turnserver -n -m 1 .* --data-plane=js$/m);
    assert.match(out, /^on, +js +: node bin\/turnpike\.js turnserver -n -m 1 .* --data-plane=js --prometheus --prometheus-address=127\.0\.0\.1 --prometheus-port=\d+$/m);
    assert.match(out, /^closed: +node bin\/turnpike\.js uclient .* --json --duration 2 -v 127\.0\.0\.1 /m);
    for (const setting of ['off', 'on']) {
      assert.match(out, new RegExp(`^round 1  js +${setting} +echoed msg/s +[\\d,]+  loss [\\d.]+%  CPU [\\d.]+ µs/msg`, 'm'), `round line ${setting}`);
    }
    assert.match(out, /^js \(.*\), median of 1 +metrics off +metrics on +on ÷ off +spread off +spread on +on ÷ off by round$/m);
    assert.match(out, /^server CPU µs per echoed message +[\d.]+ +[\d.]+ +[\d.]+× /m);
    assert.match(out, /^echoed messages\/s +[\d,]+ +[\d,]+ +[\d.]+× /m);
    assert.match(out, /one scrape of the idle server after the load: [\d.]+ µs server CPU/);
    assert.doesNotMatch(out, /scrape answered/);
  });

  it('prints its usage for --help', async () => {
    const { code, out } = await runBench('metrics-cost', ['--help']);
    assert.equal(code, 0);
    assert.match(out, /--scrape-interval S/);
    assert.match(out, /--planes LIST/);
  });
});
