/**
 * Reading what `turnutils_uclient` prints at the end of a run: `tot_send_msgs=N,
 * tot_recv_msgs=M` and `Total lost packets N (P%)`.
 */
import assert from 'node:assert/strict';
import type { ToolResult } from '../../harness/children.ts';

/** The final counts of a `turnutils_uclient` run, or undefined when it never got that far. */
export function finalCounts(out: string): { sent: number; received: number } | undefined {
  const last = [...out.matchAll(/start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/g)].at(-1);
  return last === undefined ? undefined : { sent: Number(last[1]), received: Number(last[2]) };
}

/**
 * Asserts a clean `turnutils_uclient` run: exit 0, `tot_recv_msgs=<expected>` (or as many
 * received as sent for 'all') and `Total lost packets 0`. `serverLog` goes into the message.
 */
export function assertRelayed(r: ToolResult, expected: number | 'all', serverLog: () => string): void {
  const why = (): string => `exit ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr}\n--- server ---\n${serverLog().slice(-3000)}`;
  assert.equal(r.code, 0, why());
  const counts = finalCounts(r.stdout);
  assert.ok(counts, why());
  if (expected === 'all') assert.equal(counts.received, counts.sent, why());
  else assert.match(r.stdout, new RegExp(`tot_recv_msgs=${expected}\\b`), why());
  assert.match(r.stdout, /Total lost packets 0 \(/, why());
}
