import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DelayGate } from '../../../src/sfu/media/delay-gate.ts';
import { LoadMonitor } from '../../../src/sfu/media/load-monitor.ts';

test('the delay gate measures queueing from the smallest transit seen', () => {
  const g = new DelayGate(90000, 100);
  // packets sent every 10 ms (900 ticks) arriving on time
  for (let i = 0; i < 10; i++) assert.equal(g.late(i * 900, 1000 + i * 10), false);
  assert.equal(Math.round(g.delay(10 * 900, 1000 + 100 + 50)), 50);
  assert.equal(g.late(11 * 900, 1000 + 110 + 150), true, 'waited 150 ms in a queue');
  // timestamp wrap-around does not look like a huge delay
  const w = new DelayGate(90000, 100);
  w.late(0xffffff00, 0);
  assert.equal(w.late(0x00000100, 10), false);
});

test('the load monitor flags overload when the periodic clock runs late, for a while', () => {
  const m = new LoadMonitor(30, 500);
  m.tick(0, 20);
  m.tick(20, 20);
  assert.equal(m.overloaded(20), false);
  m.tick(100, 20); // 60 ms late
  assert.equal(m.overloaded(100), true);
  assert.equal(m.overloaded(599), true);
  assert.equal(m.overloaded(601), false);
  assert.equal(m.maxLagMs, 60);
});
