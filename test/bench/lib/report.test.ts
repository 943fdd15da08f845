import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerFigures } from '../../../bench/lib/measure.ts';
import { formatRoundLine, formatSummary, median, summarize } from '../../../bench/lib/report.ts';

function figures(kind: 'coturn' | 'turnpike', messagesPerSecond: number, cpuUsPerMessage: number): ServerFigures {
  return {
    kind, messagesPerSecond, sent: 1000, received: 990, loss: 0.01, cpuUsPerMessage, cpuShare: 0.5,
    allocationsPerSecond: 2000, allocationsFailed: 0, allocationError: undefined, cpuUsPerAllocation: 100,
    rssPer1000: 2048 * 1024, rssBaseline: 0, uclientProblems: [],
    windowed: undefined,
  };
}

describe('bench report', () => {
  it('takes the median of the rounds, ignoring rounds without a figure', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([NaN, 5]), 5);
    assert.ok(Number.isNaN(median([])));
  });

  it('puts each server side by side with the ratio Turnpike/coturn', () => {
    const rows = summarize([figures('coturn', 100, 10), figures('turnpike', 50, 15), figures('coturn', 300, 10), figures('turnpike', 60, 25)]);
    const msgs = rows.find((r) => r.label === 'echoed messages/s');
    assert.deepEqual([msgs?.coturn, msgs?.turnpike, msgs?.ratio], [200, 55, 0.275]);
    const cpu = rows.find((r) => r.label === 'server CPU µs per echoed message');
    assert.equal(cpu?.ratio, 2);
    const table = formatSummary(rows, 2);
    assert.match(table, /^median of 2 rounds +coturn +turnpike +turnpike\/coturn$/m);
    assert.match(table, /^RSS KiB per 1,000 allocations +2048 +2048 +1\.00×$/m);
  });

  it('prints one line per server per round', () => {
    assert.equal(
      formatRoundLine(3, figures('turnpike', 12345.4, 7.125)),
      'round 3  turnpike  echoed msg/s  12,345  loss 1.000%  CPU 7.13 µs/msg (50.000% of a core)  allocations/s 2,000  CPU 100.00 µs/allocation  RSS 2048 KiB/1000 allocations',
    );
  });
});
