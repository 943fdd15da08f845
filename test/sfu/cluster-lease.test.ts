/**
 * Room leases on the real Redis at 127.0.0.1:6379 (each run under its own key prefix): two nodes
 * racing for the same rooms always end with exactly one owner; only the owner can renew or give
 * a lease back; a room whose owner stops renewing goes to the other node once the TTL runs out.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { clusterKeys, RoomLeases } from '../../src/sfu/cluster/lease.ts';

const prefix = `turnpike:test:${randomUUID()}:`;
const keys = clusterKeys(prefix);
let redisA: Redis;
let redisB: Redis;
let noRedis: string | undefined;

before(async () => {
  redisA = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
  redisB = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await Promise.all([redisA.connect(), redisB.connect()]);
  } catch (err) {
    noRedis = `Redis on 127.0.0.1:6379 is not running (bash scripts/services.sh): ${(err as Error).message}`;
  }
});

after(async () => {
  if (!noRedis) {
    const left = await redisA.keys(`${prefix}*`);
    if (left.length > 0) await redisA.del(...left);
  }
  redisA.disconnect();
  redisB.disconnect();
});

/** Polls until `fn` resolves truthy, or fails after `ms`. */
async function eventually(fn: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('two nodes racing for the same room: exactly one owner, every round', async (t) => {
  if (noRedis) return t.skip(noRedis);
  const a = new RoomLeases(redisA, keys, 'node-a', 10_000);
  const b = new RoomLeases(redisB, keys, 'node-b', 10_000);
  const wins = { 'node-a': 0, 'node-b': 0 };
  for (let round = 0; round < 300; round++) {
    const room = `race-${round}`;
    // Each node asks twice, interleaved, as concurrent joins on both nodes would.
    const seen = await Promise.all([a.acquire(room), b.acquire(room), a.acquire(room), b.acquire(room)]);
    const owner = seen[0];
    assert.ok(owner === 'node-a' || owner === 'node-b', `round ${round}: an owner`);
    assert.deepEqual(seen, [owner, owner, owner, owner], `round ${round}: every claimant sees the same owner`);
    assert.equal(await redisA.get(keys.room(room)), owner);
    wins[owner as 'node-a' | 'node-b']++;
    // The loser can neither extend nor delete the winner's lease.
    const loser = owner === 'node-a' ? b : a;
    assert.equal(await loser.renew(room), false);
    assert.equal(await loser.release(room), false);
    assert.equal(await redisB.get(keys.room(room)), owner);
  }
  assert.equal(wins['node-a'] + wins['node-b'], 300);
});

test('the owner renews and releases; a released room goes to the next claimant', async (t) => {
  if (noRedis) return t.skip(noRedis);
  const a = new RoomLeases(redisA, keys, 'node-a', 10_000);
  const b = new RoomLeases(redisB, keys, 'node-b', 10_000);
  assert.equal(await a.acquire('r1'), 'node-a');
  assert.equal(await a.renew('r1'), true);
  assert.ok((await redisA.pttl(keys.room('r1'))) > 9_000);
  assert.equal(await a.acquire('r1'), 'node-a', 'claiming an owned room renews it');
  assert.equal(await a.owner('r1'), 'node-a');
  assert.equal(await a.release('r1'), true);
  assert.equal(await a.owner('r1'), undefined);
  assert.equal(await a.renew('r1'), false, 'a released lease cannot be renewed');
  assert.equal(await b.acquire('r1'), 'node-b');
});

test('an owner that stops renewing loses the room to the other node after the TTL', { timeout: 20_000 }, async (t) => {
  if (noRedis) return t.skip(noRedis);
  const a = new RoomLeases(redisA, keys, 'node-a', 1_000);
  const b = new RoomLeases(redisB, keys, 'node-b', 1_000);
  assert.equal(await a.acquire('dying'), 'node-a');
  assert.equal(await b.acquire('dying'), 'node-a');
  // node-a "dies": no more renewals. node-b keeps trying, as joins would.
  await eventually(async () => (await b.acquire('dying')) === 'node-b', 'node-b owns the room', 5_000);
  assert.equal(await a.renew('dying'), false, 'the old owner cannot take it back by renewing');
  assert.equal(await a.acquire('dying'), 'node-b');
});

test('an owner that keeps renewing keeps the room', { timeout: 20_000 }, async (t) => {
  if (noRedis) return t.skip(noRedis);
  const a = new RoomLeases(redisA, keys, 'node-a', 3_000);
  const b = new RoomLeases(redisB, keys, 'node-b', 3_000);
  assert.equal(await a.acquire('alive'), 'node-a');
  // As the cluster does: renew every third of the TTL, while the other node claims repeatedly
  // for more than one TTL.
  const renewing = setInterval(() => void a.renew('alive'), 500);
  t.after(() => clearInterval(renewing));
  for (let i = 0; i < 40; i++) {
    assert.equal(await b.acquire('alive'), 'node-a');
    await new Promise((r) => setTimeout(r, 100));
  }
  clearInterval(renewing);
  assert.equal(await a.release('alive'), true);
});
