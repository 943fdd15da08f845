/**
 * Two Turnpike servers sharing one Redis on loopback: A a child process, B in this process
 * with its admin API. They share a nonce secret (a nonce from A is good on B), register as
 * fleet members, count user-quota=2 across the fleet (the third allocation, on the other
 * member, gets 486), list each other's sessions in B's admin API and kill one on A from it;
 * A killed with SIGKILL drops out of the registry and its leases expire within the (short)
 * allocation lifetime, giving the quota back.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freeRange, freeTcpPort, freeUdpTcpPort } from '../../harness/ports.ts';
import { launchTurnServer, type Launched } from '../../harness/servers.ts';
import { startAdmin } from '../../src/admin/index.ts';
import { getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method, type DecodedStunMessage } from '../../src/stun/types.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { Service } from '../../src/server/services.ts';
import { quotaKeys } from '../../src/fleet/quota.ts';
import type { MemberRecord } from '../../src/fleet/members.ts';
import type { FleetSession } from '../../src/fleet/view.ts';
import { HOST, startServer, UdpClient, type TestServer } from '../server/wire.ts';
import { CONN, TAG, cleanUp, redisClient, skipRedis, until } from './fleet-fixtures.ts';

const realm = `fleet-${TAG}.example`;
const KEY = 'fleet-admin-key';
const common = [
  `--realm=${realm}`, `--fleet-redis=${CONN}`, `--redis-statsdb=${CONN}`, '--user-quota=2', '--fleet-heartbeat=1',
  '--max-allocate-lifetime=5', '--stateless-nonce-secret=fleet-test-secret', '--allow-loopback-peers',
];
const code = (m: DecodedStunMessage): number => (m.class === MessageClass.SuccessResponse ? 200 : getAttribute(m, Attr.ErrorCode)?.code ?? 0);

describe('a fleet of two', { skip: skipRedis }, () => {
  const redis = redisClient();
  const clients: UdpClient[] = [];
  let a: Launched | undefined;
  let b: TestServer | undefined;
  let admin: Service | undefined;
  after(async () => {
    for (const c of clients) await c.close();
    await admin?.close();
    await b?.server.close();
    await a?.stop();
    await cleanUp();
    redis.disconnect();
  });
  const client = async (port: number): Promise<UdpClient> => {
    const c = await new UdpClient().connect(port);
    clients.push(c);
    return c;
  };
  const api = async (method: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${adminUrl}/api/admin${path}`, { method, headers: { Authorization: `Bearer ${KEY}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  let adminUrl = '';

  it('shares nonces, quotas, sessions and commands; a killed member gives its quota back', async () => {
    const aPort = await freeUdpTcpPort();
    const range = await freeRange(20);
    a = await launchTurnServer('turnpike', [
      '-n', `--listening-ip=${HOST}`, `--listening-port=${aPort}`, `--relay-ip=${HOST}`, `--min-port=${range.min}`, `--max-port=${range.max}`,
      '-a', '-u', 'alice:secret', `--fleet-member-name=a-${TAG}`, `--fleet-advertise=${HOST}:${aPort}`, '--log-file=stdout', ...common,
    ], { port: aPort, keep: 50_000 });
    const webPort = await freeTcpPort();
    b = await startServer([...common, `--fleet-member-name=b-${TAG}`, '--web-admin', `--web-admin-port=${webPort}`, `--api-key=${KEY}`]);
    admin = await startAdmin(b.server.currentConfig(), b.server, silentLogger);
    adminUrl = `http://127.0.0.1:${webPort}`;

    const members = await until('both members', async () => {
      const m = (await api('GET', '/fleet')).body.members as MemberRecord[];
      return m.filter((x) => x.name.endsWith(TAG)).length === 2 ? m.filter((x) => x.name.endsWith(TAG)) : undefined;
    });
    assert.deepEqual(members.map((m) => m.name), [`a-${TAG}`, `b-${TAG}`]);
    assert.equal(members[0].advertise, `${HOST}:${aPort}`);
    assert.ok(members.every((m) => m.health.ok && m.load.relayPortsTotal > 0));
    assert.notEqual(members[0].prefix, members[1].prefix);

    // Two allocations on A fill alice's quota.
    const a1 = await client(aPort);
    const a2 = await client(aPort);
    assert.equal(code(await a1.allocate()), 200);
    assert.equal(code(await a2.allocate()), 200);
    const userSet = quotaKeys(realm, 'alice').user;
    assert.equal(await redis.zcard(userSet), 2);

    // A nonce from A is good on B; B refuses the third allocation on the fleet's count.
    const onB = await client(aPort);
    assert.equal(code(await onB.request(Method.Allocate, [{ type: Attr.RequestedTransport, value: 17 }], false)), 401);
    onB.serverPort = b.port;
    assert.equal(code(await onB.request(Method.Allocate, [{ type: Attr.RequestedTransport, value: 17 }])), 486);
    assert.equal(b.server.core.allocationCount, 0);

    // B's admin API lists A's sessions and kills one of them on A.
    const listed = (await api('GET', '/fleet')).body.sessions as FleetSession[];
    const mine = listed.filter((s) => s.realm === realm);
    assert.equal(mine.length, 2);
    assert.ok(mine.every((s) => s.member === `a-${TAG}` && s.user === 'alice' && s.type === 'UDP' && s.lifetime === 5));
    const killed = await api('DELETE', `/fleet/sessions/${mine[1].id}`);
    assert.equal(killed.status, 202, JSON.stringify(killed.body));
    assert.equal(killed.body.member, `a-${TAG}`);
    await until('the session gone from the statsdb', async () => ((await redis.exists(`turn/realm/${realm}/user/alice/allocation/${mine[1].id}/status`)) === 0 ? true : undefined));
    await until('its lease gone with it', async () => ((await redis.zcard(userSet)) === 1 ? true : undefined));

    // Now B may allocate once more (with A's nonce still), and no more.
    assert.equal(code(await onB.request(Method.Allocate, [{ type: Attr.RequestedTransport, value: 17 }])), 200);
    assert.equal(code(await a1.request(Method.Refresh, [{ type: Attr.Lifetime, value: 5 }])), 200);
    const onB2 = await client(b.port);
    assert.equal(code(await onB2.allocate()), 486);

    // A dies without a word: its lease expires within the 5-second lifetime and the quota comes back.
    process.kill(a.pid, 'SIGKILL');
    let refusals = 0;
    await until('the quota back after A died', async () => {
      if (code(await onB.request(Method.Refresh, [{ type: Attr.Lifetime, value: 5 }])) !== 200) throw new Error('B lost its allocation');
      const answer = code(await onB2.request(Method.Allocate, [{ type: Attr.RequestedTransport, value: 17 }]));
      if (answer === 486) refusals++;
      return answer === 200 ? true : undefined;
    }, 15_000);
    assert.equal(await redis.zcard(userSet), 2, 'the two leases of B');
    await until('A out of the registry', async () => {
      const m = (await api('GET', '/fleet')).body.members as MemberRecord[];
      return m.some((x) => x.name === `a-${TAG}`) ? undefined : true;
    });
    assert.ok(refusals >= 1, 'right after the kill, A\'s lease still counted');

    // B's allocation ends: its lease goes at once.
    assert.equal(code(await onB.request(Method.Refresh, [{ type: Attr.Lifetime, value: 0 }])), 200);
    await until('the lease released', async () => ((await redis.zcard(userSet)) === 1 ? true : undefined));
  });
});
