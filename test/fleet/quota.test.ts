/**
 * Fleet-wide `total-quota` on two in-process servers sharing Redis: allocations of different
 * users on either member count against one total, the next one anywhere gets 486, and an
 * allocation that ends gives its place back at once (its lease removed, not left to expire).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method, type DecodedStunMessage } from '../../src/stun/types.ts';
import { quotaKeys } from '../../src/fleet/quota.ts';
import { startServer, UdpClient, type TestServer } from '../server/wire.ts';
import { CONN, TAG, cleanUp, redisClient, skipRedis, until } from './fleet-fixtures.ts';

const realm = `total-${TAG}.example`;
const code = (m: DecodedStunMessage): number => (m.class === MessageClass.SuccessResponse ? 200 : getAttribute(m, Attr.ErrorCode)?.code ?? 0);

describe('fleet total-quota', { skip: skipRedis }, () => {
  const redis = redisClient();
  const servers: TestServer[] = [];
  const clients: UdpClient[] = [];
  after(async () => {
    for (const c of clients) await c.close();
    for (const s of servers) await s.server.close();
    await cleanUp();
    redis.disconnect();
  });
  const client = async (t: TestServer, user: string): Promise<UdpClient> => {
    const c = await new UdpClient(user, 'secret').connect(t.port);
    clients.push(c);
    return c;
  };

  it('counts every member\'s allocations of every user against one total', async () => {
    for (const name of ['a', 'b']) {
      servers.push(await startServer([`--realm=${realm}`, `--fleet-redis=${CONN}`, `--fleet-member-name=${name}-${TAG}`, '--total-quota=2', '--user', 'bob:secret', '--user', 'carol:secret']));
    }
    const [a, b] = servers;
    assert.equal(code(await (await client(a, 'alice')).allocate()), 200);
    const bob = await client(b, 'bob');
    assert.equal(code(await bob.allocate()), 200);
    assert.equal(await redis.zcard(quotaKeys(realm, 'x').total), 2);
    const carol = await client(a, 'carol');
    assert.equal(code(await carol.allocate()), 486);
    assert.equal(a.server.core.allocationCount, 1, 'A alone is under the total');
    assert.equal(a.server.fleet!.quota!.counts().refused, 1);
    // bob's allocation ends on B: carol may allocate on A at once.
    assert.equal(code(await bob.request(Method.Refresh, [{ type: Attr.Lifetime, value: 0 }])), 200);
    await until('the lease removed', async () => ((await redis.zcard(quotaKeys(realm, 'x').total)) === 1 ? true : undefined));
    assert.equal(code(await carol.request(Method.Allocate, [{ type: Attr.RequestedTransport, value: 17 }])), 200);
    assert.deepEqual(servers.map((s) => s.server.fleet!.quota!.counts().held), [2, 0]);
  });
});
