/**
 * The fault guard: a throw while handling one input is counted under its site's reason,
 * logged at most once per reason per interval (with how many were not logged), and never
 * escapes — not even when the logger itself throws.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultGuard } from '../../src/log/fault-guard.ts';

function bench() {
  let now = 0;
  const counts = new Map<string, number>();
  const lines: { reason: string; error: string; suppressed: number }[] = [];
  const guard = new FaultGuard({
    count: (r) => counts.set(r, (counts.get(r) ?? 0) + 1),
    log: (reason, f) => lines.push({ reason, error: f.error, suppressed: f.suppressed }),
    now: () => now,
    intervalMs: 1000,
  });
  return { guard, counts, lines, advance: (ms: number) => (now += ms) };
}

test('counts every fault, logs once per reason per interval, then says how many it did not log', () => {
  const b = bench();
  const handler = b.guard.wrap('udp-ingress', (n: number) => {
    throw new RangeError(`bad ${n}`);
  });
  for (let i = 0; i < 5; i++) handler(i);
  b.guard.fault('relay-peer', 'not an Error');
  assert.equal(b.counts.get('fault-udp-ingress'), 5);
  assert.equal(b.counts.get('fault-relay-peer'), 1);
  assert.deepEqual(b.lines, [
    { reason: 'fault-udp-ingress', error: 'bad 0', suppressed: 0 },
    { reason: 'fault-relay-peer', error: 'not an Error', suppressed: 0 },
  ]);
  b.advance(1000);
  handler(9);
  assert.deepEqual(b.lines[2], { reason: 'fault-udp-ingress', error: 'bad 9', suppressed: 4 });
});

test('a wrapped function that does not throw runs as it is', () => {
  const b = bench();
  let seen = 0;
  b.guard.wrap('http', (x: number) => (seen = x))(7);
  assert.equal(seen, 7);
  assert.equal(b.counts.size, 0);
});

test('a logger that throws does not turn a fault into a crash', () => {
  const guard = new FaultGuard({ count: () => {}, log: () => { throw new Error('disk full'); }, now: () => 0 });
  assert.doesNotThrow(() => guard.wrap('websocket', () => { throw new Error('x'); })());
});
