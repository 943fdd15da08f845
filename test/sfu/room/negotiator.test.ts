import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Negotiator, type NegotiatorTimers } from '../../../src/sfu/room/negotiator.ts';

function manualTimers() {
  const pending: (() => void)[] = [];
  const timers: NegotiatorTimers = { set: (fn) => (pending.push(fn), fn), clear: (h) => pending.splice(pending.indexOf(h as () => void), 1) };
  return { timers, fire: () => pending.splice(0).forEach((f) => f()) };
}
const settle = () => new Promise((r) => setImmediate(r));

test('changes are batched, one offer is outstanding, and changes meanwhile re-offer after the answer', async () => {
  const { timers, fire } = manualTimers();
  let offers = 0;
  const n = new Negotiator(async () => (offers++, true), 20, timers);
  n.request();
  n.request();
  assert.equal(n.state, 'scheduled');
  fire();
  await settle();
  assert.equal(offers, 1);
  assert.equal(n.state, 'awaiting-answer');
  n.request();
  n.request();
  fire();
  await settle();
  assert.equal(offers, 1, 'no second offer while one is outstanding');
  n.answered();
  assert.equal(n.state, 'scheduled');
  fire();
  await settle();
  assert.equal(offers, 2);
  n.answered();
  assert.equal(n.state, 'idle');
});

test('an offer that could not be made leaves the negotiator idle; close stops everything', async () => {
  const { timers, fire } = manualTimers();
  let offers = 0;
  const n = new Negotiator(async () => (offers++, false), 20, timers);
  n.request();
  fire();
  await settle();
  assert.equal(n.state, 'idle');
  n.request();
  n.close();
  fire();
  await settle();
  assert.equal(offers, 1);
  assert.equal(n.state, 'closed');
});
