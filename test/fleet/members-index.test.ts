/**
 * The members index (src/fleet/members.ts) on the scratch Redis: a member's heartbeat writes
 * its key and its name in `turnpike/fleet/members`; a name whose key expired is not listed
 * although it is still in the index; a member leaving cleanly takes its name out.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openRedisLink, type RedisLink } from '../../src/fleet/redis-link.ts';
import { joinFleet, listMembers, MEMBER_PREFIX, MEMBERS_INDEX } from '../../src/fleet/members.ts';
import type { FleetHost } from '../../src/fleet/host.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { CONN, TAG, cleanUp, redisClient, skipRedis, until } from './fleet-fixtures.ts';

const host = {
  onEvent: () => () => {},
  allocations: () => [],
  traffic: () => { throw new Error('no allocations'); },
  kill: () => false,
  load: () => ({ allocations: 0, relayPortsInUse: 0, relayPortsTotal: 10 }),
  database: () => 'none',
} as unknown as FleetHost;

describe('the members index', { skip: skipRedis }, () => {
  const redis = redisClient();
  let link: RedisLink | undefined;
  after(async () => {
    await link?.close();
    await cleanUp();
    redis.disconnect();
  });
  const mine = async (): Promise<string[]> => (await listMembers(link!)).map((m) => m.name).filter((n) => n.endsWith(TAG));

  it('lists members whose key lives, skips an expired one still in the index, and forgets one that left', async () => {
    link = await openRedisLink('fleet-redis', CONN, silentLogger);
    const live = await joinFleet(link, host, {
      name: `live-${TAG}`, advertise: '', advertiseTls: '', prefix: 101, software: 'test', heartbeatSeconds: 60, now: Date.now,
    }, silentLogger);
    assert.ok((await redis.zscore(MEMBERS_INDEX, `live-${TAG}`)) !== null, 'the heartbeat wrote the name');
    assert.ok((await redis.pttl(MEMBER_PREFIX + `live-${TAG}`)) > 0, 'and the key, with its expiry');

    // A member whose key expired: its name is still in the index with a score to come.
    const gone = `gone-${TAG}`;
    await redis.multi()
      .set(MEMBER_PREFIX + gone, JSON.stringify({ ...live.record(), name: gone }), 'PX', 1)
      .zadd(MEMBERS_INDEX, Date.now() + 600_000, gone)
      .exec();
    await until('the key expired', async () => ((await redis.exists(MEMBER_PREFIX + gone)) === 0 ? true : undefined));
    assert.ok((await redis.zscore(MEMBERS_INDEX, gone)) !== null);
    assert.deepEqual(await mine(), [`live-${TAG}`]);

    // A name whose score passed long ago is not even read.
    await redis.zadd(MEMBERS_INDEX, Date.now() - 3_600_000, `old-${TAG}`);
    assert.deepEqual(await mine(), [`live-${TAG}`]);

    await live.close();
    assert.equal(await redis.zscore(MEMBERS_INDEX, `live-${TAG}`), null, 'a clean leave takes the name out');
    assert.equal(await redis.exists(MEMBER_PREFIX + `live-${TAG}`), 0);
    assert.deepEqual(await mine(), []);
  });
});
