/**
 * A Turnpike fleet on real hosts: three `turnpike turnserver` members, each in a network
 * namespace of its own with its own address (harness/netns.ts), sharing one `redis-userdb`
 * (this machine's Redis, forwarded into the namespaces; a scratch realm) and one
 * `stateless-nonce-secret`. coturn's `turnutils_uclient` and Turnpike's own client run from
 * the root namespace, as clients on another machine would; `turnutils_peer` listens there.
 * A second group of three members on the same hosts also shares `fleet-redis`: its
 * `user-quota` holds across the fleet, and a member killed with SIGKILL leaves the member
 * registry and gives its quota leases back within one allocation lifetime.
 * Where namespaces cannot be made, the members get loopback addresses and ports of their own
 * instead, and the run says so.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { answersBindingFrom, createHosts, namespacesNow, type TestHost, type TestHosts } from '../../harness/netns.ts';
import { databaseMissing, scratchDatabase, type ScratchDb } from '../../harness/databases.ts';
import { freeRange, freeUdpPort, freeUdpTcpPort } from '../../harness/ports.ts';
import { coturnMissing, launchPeer, launchTurnServer, runCoturn, runTurnpike, type Launched } from '../../harness/servers.ts';
import { connectUdp, type ServerConnection } from '../../src/client/server-connection.ts';
import { newTransactionId } from '../../src/client/transactions.ts';
import { TurnClient } from '../../src/client/turn-client.ts';
import { leastLoaded, MEMBER_PREFIX, type MemberRecord } from '../../src/fleet/members.ts';
import { quotaKeys } from '../../src/fleet/quota.ts';
import { allocateAttributes, decideAuth, initialAuth, signedRequest, type AuthState } from '../../src/client/turn-requests.ts';
import { getAttribute, type DecodedStunMessage } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { assertRelayed } from '../interop/uclient-output.ts';
import { FLEET_DB } from './fleet-fixtures.ts';

const missing = coturnMissing('uclient', 'peer') || (await databaseMissing('redis'));
const NONCE_SECRET = 'netns-fleet-nonce-secret';
const USER = { name: 'alice', password: 'alice-fleet-pw' };
/** The fleet-wide user-quota of the second group, and its members' longest allocation lifetime (s). */
const FLEET_QUOTA = 2;
const LIFETIME = 4;

/** One member: its host, its TURN port, the running server. */
interface Member {
  host: TestHost;
  port: number;
  server: Launched;
}

/** Starts a member on `host` with the fleet's shared options and `extra` (given its TURN port); `slot` keeps groups' ports apart. */
async function startMember(hosts: TestHosts, db: ScratchDb, host: TestHost, slot: number, extra: string[] | ((port: number) => string[]) = []): Promise<Member> {
  const isolated = hosts.fallback === undefined;
  // In a namespace of its own a member has every port to itself; on loopback they share them.
  const port = isolated ? 3478 + slot : await freeUdpTcpPort();
  const { min, max } = isolated ? { min: 49152 + 50 * slot, max: 49201 + 50 * slot } : await freeRange(50);
  const redis = `ip=${hosts.redis.host} port=${hosts.redis.port} dbname=0 connect_timeout=5`;
  const options = [
    '-n', `--listening-ip=${host.address}`, `--listening-port=${port}`, `--relay-ip=${host.address}`,
    `--min-port=${min}`, `--max-port=${max}`, '--rfc5766-channel-numbers', '-a', '-r', db.realm,
    `--redis-userdb=${redis}`, `--stateless-nonce-secret=${NONCE_SECRET}`, '--log-file=stdout',
    // The peer is in the root namespace, on a private address the default peer policy refuses.
    ...(isolated ? [`--allowed-peer-ip=${hosts.rootAddress}`] : ['--allow-loopback-peers']), ...(typeof extra === 'function' ? extra(port) : extra),
  ];
  const server = await launchTurnServer('turnpike', options, {
    port, host: host.address, keep: 50_000, via: host.command, ready: answersBindingFrom(host.address, port, hosts.rootAddress),
  });
  return { host, port, server };
}

/** A UDP path from the root namespace to a member. */
function connect(hosts: TestHosts, m: Member): Promise<ServerConnection> {
  return connectUdp({ ip: m.host.address, port: m.port, family: 4, localIp: hosts.rootAddress });
}

/** Sends one Allocate to `conn`, signed with `auth` once it holds a nonce; resolves with the answer. */
function allocate(conn: ServerConnection, auth: AuthState): Promise<DecodedStunMessage> {
  const { msg, opts } = signedRequest(Method.Allocate, allocateAttributes({ lifetime: 60 }), auth, newTransactionId());
  return conn.transactions.request(msg, (b) => conn.send(b), opts);
}

/** An Allocate through `m` by Turnpike's client (401 answered): 0 when granted, else the error code. */
async function tryAllocate(hosts: TestHosts, m: Member, lifetime = LIFETIME): Promise<{ code: number; reason: string; client: TurnClient; close(): Promise<void> }> {
  const conn = await connect(hosts, m);
  const client = new TurnClient(conn, { username: USER.name, password: USER.password }, { rto: 200, tries: 5 });
  const r = await client.allocate({ lifetime });
  return { code: r.ok ? 0 : r.code, reason: r.ok ? 'granted' : r.reason, client, close: () => conn.close() };
}

/** Polls `probe` every 200 ms until it returns a value (a safety deadline, not a timing assertion). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 10_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function errorCode(answer: DecodedStunMessage): number | undefined {
  return answer.class === MessageClass.ErrorResponse ? getAttribute(answer, Attr.ErrorCode)?.code : undefined;
}

describe('a fleet of three Turnpike members, each on a host of its own', { skip: missing, timeout: 60_000 }, () => {
  let hosts: TestHosts;
  let db: ScratchDb;
  before(async () => {
    hosts = await createHosts(3);
    db = await scratchDatabase('redis');
    // coturn's turnadmin layout, written once from the root namespace: every member reads it.
    const added = await runTurnpike(['turnadmin', '-a', '-N', db.connection, '-u', USER.name, '-r', db.realm, '-p', USER.password]);
    assert.equal(added.code, 0, added.stdout + added.stderr);
  });
  after(async () => {
    await db?.drop();
    await hosts?.close();
    assert.deepEqual(namespacesNow().filter((n) => n.startsWith(`tpk-${process.pid}-`)), [], 'every namespace is removed');
  });
  const where = (t: TestContext): void => {
    if (hosts.fallback !== undefined) t.diagnostic(`loopback fallback, no network namespaces: ${hosts.fallback}`);
    else t.diagnostic(`members in namespaces ${hosts.hosts.map((h) => `${h.name}=${h.address}`).join(', ')}; Redis forwarded at ${hosts.redis.host}:${hosts.redis.port}`);
  };

  describe('sharing redis-userdb and stateless-nonce-secret', () => {
    let members: Member[] = [];
    let peer: Launched;
    const logs = (): string => members.map((m) => `--- ${m.host.name} ---\n${m.server.output().slice(-2000)}`).join('\n');
    before(async () => {
      members = await Promise.all(hosts.hosts.map((h) => startMember(hosts, db, h, 0)));
      peer = await launchPeer('coturn', await freeUdpPort(), [hosts.rootAddress], { keep: 20_000 });
    });
    after(async () => {
      await peer?.stop();
      await Promise.all(members.map((m) => m.server.stop()));
    });

    test('a user added with turnpike turnadmin -N allocates and relays through every member', async (t) => {
      where(t);
      const runs = await Promise.all(members.map((m) =>
        runCoturn('uclient', [
          '-u', USER.name, '-w', USER.password, '-e', hosts.rootAddress, '-r', String(peer.port),
          '-m', '2', '-n', '50', '-l', '170', '-p', String(m.port), m.host.address,
        ])));
      for (const r of runs) assertRelayed(r, 100, logs);
    });

    test("a nonce from member A is accepted by member B, and a forged one is not", async (t) => {
      where(t);
      const [a, b] = members;
      const credentials = { username: USER.name, password: USER.password };
      const toA = await connect(hosts, a);
      const toB = await connect(hosts, b);
      try {
        const challenge = await allocate(toA, initialAuth(credentials));
        assert.equal(errorCode(challenge), 401, 'member A challenges');
        const decision = decideAuth(challenge, initialAuth(credentials), 1);
        assert.equal(decision.kind, 'retry');
        if (decision.kind !== 'retry') return;
        const onB = await allocate(toB, decision.auth);
        assert.equal(onB.class, MessageClass.SuccessResponse, `member B answered ${errorCode(onB)} to member A's nonce\n${logs()}`);
        // The control: B does check nonces, so a nonce no holder of the secret made gets 438.
        const nonce = decision.auth.nonce ?? '';
        const forged = { ...decision.auth, nonce: nonce.slice(0, -2) + (nonce.endsWith('AA') ? 'BB' : 'AA') };
        const toB2 = await connect(hosts, b);
        try {
          assert.equal(errorCode(await allocate(toB2, forged)), 438);
        } finally {
          await toB2.close();
        }
      } finally {
        await toA.close();
        await toB.close();
      }
    });
  });

  describe('with fleet-redis: fleet-wide quota and membership', () => {
    const tag = `netns-${process.pid}-${randomBytes(3).toString('hex')}`;
    const names = [0, 1, 2].map((i) => `${tag}-m${i}`);
    let members: Member[] = [];
    let redis: Redis;
    const logs = (): string => members.map((m) => `--- ${m.host.name} ---\n${m.server.output().slice(-2000)}`).join('\n');
    before(async () => {
      redis = new Redis({ host: '127.0.0.1', port: 6379, db: FLEET_DB, maxRetriesPerRequest: 1 });
      const fleetRedis = `ip=${hosts.redis.host} port=${hosts.redis.port} dbname=${FLEET_DB} connect_timeout=5`;
      members = await Promise.all(hosts.hosts.map((h, i) => startMember(hosts, db, h, 1, [
        `--fleet-redis=${fleetRedis}`, `--fleet-member-name=${names[i]}`, '--fleet-heartbeat=1',
        `--user-quota=${FLEET_QUOTA}`, `--max-allocate-lifetime=${LIFETIME}`,
      ])));
    });
    after(async () => {
      await Promise.all(members.map((m) => m.server.stop()));
      const quota = quotaKeys(db.realm, USER.name);
      await redis?.del(...names.map((n) => MEMBER_PREFIX + n), quota.user, quota.total);
      redis?.disconnect();
    });

    /** The records of the live members of this group, as the fleet's rotation reads them. */
    const liveRecords = async (): Promise<MemberRecord[]> =>
      (await redis.mget(names.map((n) => MEMBER_PREFIX + n))).flatMap((v) => (v === null ? [] : [JSON.parse(v) as MemberRecord]));

    test(`user-quota=${FLEET_QUOTA} holds across the fleet, and a released allocation frees its share`, async (t) => {
      where(t);
      const [a, b, c] = members;
      const first = await tryAllocate(hosts, a);
      const second = await tryAllocate(hosts, b);
      assert.deepEqual([first.code, second.code], [0, 0], logs());
      // Member C holds none of the user's allocations: only the fleet's count can refuse this.
      const third = await tryAllocate(hosts, c);
      assert.equal(third.code, 486, `${third.reason}\n${logs()}`);
      await third.close();
      assert.equal((await first.client.refresh(0)).ok, true);
      await first.close();
      const again = await until('member C to allocate once A released its share', async () => {
        const r = await tryAllocate(hosts, c);
        if (r.code === 0) return r;
        await r.close();
        assert.equal(r.code, 486, r.reason);
        return undefined;
      });
      for (const held of [second, again]) {
        assert.equal((await held.client.refresh(0)).ok, true);
        await held.close();
      }
    });

    test('a killed member drops out of the fleet, and its quota share comes back within one lifetime', async (t) => {
      where(t);
      const [a, , c] = members;
      await until('all three members to be listed', async () => ((await liveRecords()).length === 3 ? true : undefined));
      const held = [await tryAllocate(hosts, c), await tryAllocate(hosts, c)];
      assert.deepEqual(held.map((h) => h.code), [0, 0], logs());
      const refused = await tryAllocate(hosts, a);
      assert.equal(refused.code, 486, `${refused.reason}\n${logs()}`);
      await refused.close();
      // SIGKILL: no clean shutdown, so neither its member key nor its leases are deleted.
      c.server.child.process.kill('SIGKILL');
      await c.server.child.exited;
      const live = await until(`${names[2]} to drop out of the member registry`, async () => {
        const records = await liveRecords();
        return records.some((r) => r.name === names[2]) ? undefined : records;
      }, 10_000);
      assert.deepEqual(live.map((r) => r.name).sort(), names.slice(0, 2));
      assert.ok(names.slice(0, 2).includes(leastLoaded(live)?.name ?? ''), 'the rotation picks a live member');
      const granted = await until('the killed member\'s leases to expire', async () => {
        const r = await tryAllocate(hosts, a);
        if (r.code === 0) return r;
        await r.close();
        assert.equal(r.code, 486, r.reason);
        return undefined;
      }, (LIFETIME + 5) * 1000);
      assert.equal((await granted.client.refresh(0)).ok, true);
      await granted.close();
      for (const h of held) await h.close();
    });
  });

  describe('with fleet-redirect-at: a loaded member sends Allocates to the least-loaded member', () => {
    /** allocations held on A (its `fleet-redirect-at`) and on C */
    const HELD = 3;
    /** A Redis database of this group's own: members other tests register elsewhere must not be targets. */
    const REDIRECT_DB = 12;
    const tag = `netns-lb-${process.pid}-${randomBytes(3).toString('hex')}`;
    const names = [0, 1, 2].map((i) => `${tag}-m${i}`);
    let members: Member[] = [];
    let peer: Launched;
    let redis: Redis;
    const logs = (): string => members.map((m) => `--- ${m.host.name} ---\n${m.server.output().slice(-2000)}`).join('\n');
    before(async () => {
      redis = new Redis({ host: '127.0.0.1', port: 6379, db: REDIRECT_DB, maxRetriesPerRequest: 1 });
      const fleetRedis = `ip=${hosts.redis.host} port=${hosts.redis.port} dbname=${REDIRECT_DB} connect_timeout=5`;
      // Only A is ever loaded, from HELD allocations on (as many as the test holds there).
      members = await Promise.all(hosts.hosts.map((h, i) => startMember(hosts, db, h, 2, (port) => [
        `--fleet-redis=${fleetRedis}`, `--fleet-member-name=${names[i]}`, '--fleet-heartbeat=1',
        `--fleet-advertise=${h.address}:${port}`, ...(i === 0 ? [`--fleet-redirect-at=${HELD}`, '--prometheus', `--prometheus-address=${h.address}`] : []),
      ])));
      peer = await launchPeer('coturn', await freeUdpPort(), [hosts.rootAddress], { keep: 20_000 });
    });
    after(async () => {
      await peer?.stop();
      await Promise.all(members.map((m) => m.server.stop()));
      await redis?.del(...names.map((n) => MEMBER_PREFIX + n));
      redis?.disconnect();
    });

    /** Where member `m` sends a first, unauthenticated Allocate now: `ip:port`, or `served` (401: it would allocate). */
    const sendsTo = async (m: Member): Promise<string> => {
      const conn = await connect(hosts, m);
      try {
        const answer = await allocate(conn, initialAuth({ username: USER.name, password: USER.password }));
        const code = errorCode(answer);
        if (code === 401) return 'served';
        assert.equal(code, 300, `member ${m.host.name} answered ${code}`);
        const alt = getAttribute(answer, Attr.AlternateServer);
        return `${alt?.address}:${alt?.port}`;
      } finally {
        await conn.close();
      }
    };
    const at = (m: Member): string => `${m.host.address}:${m.port}`;
    const record = async (i: number): Promise<MemberRecord | undefined> => {
      const v = await redis.get(MEMBER_PREFIX + names[i]);
      return v === null ? undefined : JSON.parse(v) as MemberRecord;
    };
    /**
     * Waits until the registry shows what `shows` asks, then until A has written two more
     * heartbeats: its driver, on the same period, has read the registry since.
     */
    const aHasRead = async (what: string, shows: () => Promise<boolean>): Promise<void> => {
      await until(what, async () => ((await shows()) ? true : undefined));
      const seen = new Set([(await record(0))?.heartbeatAt]);
      await until(`A to beat twice after ${what}`, async () => {
        seen.add((await record(0))?.heartbeatAt);
        return seen.size >= 3 ? true : undefined;
      });
    };
    const holds = async (i: number, n: number): Promise<boolean> => (await record(i))?.load.allocations === n;
    const created = (m: Member): number => m.server.output().split('allocation-created').length - 1;
    /** A coturn uclient run through A (2 clients x 5 messages), every message relayed. */
    const uclientThrough = async (a: Member): Promise<void> => {
      const r = await runCoturn('uclient', [
        '-u', USER.name, '-w', USER.password, '-e', hosts.rootAddress, '-r', String(peer.port),
        '-m', '2', '-n', '5', '-l', '170', '-p', String(a.port), a.host.address,
      ]);
      assertRelayed(r, 10, logs);
    };

    test('A, holding allocations, sends new ones to the least-loaded member; uclient follows and relays there', async (t) => {
      where(t);
      const [a, b, c] = members;
      await until('the three members to be listed', async () => ((await redis.mget(names.map((n) => MEMBER_PREFIX + n))).every((v) => v !== null) ? true : undefined));
      assert.equal(await sendsTo(a), 'served', 'A, holding nothing, serves');
      // A and C hold HELD each: A is loaded, C no less loaded than A, B (none) the least loaded.
      // B may then be sent HELD Allocates per heartbeat of its (B_est + 1 ≤ HELD): a probe, and uclient's.
      const held: Awaited<ReturnType<typeof tryAllocate>>[] = [];
      try {
        for (const m of [c, a]) for (let i = 0; i < HELD; i++) held.push(await tryAllocate(hosts, m, 600));
        assert.deepEqual(held.map((h) => h.code), held.map(() => 0), logs());
        const onC = held.slice(0, HELD);
        await aHasRead('the registry to show what A and C hold', async () => (await holds(0, HELD)) && (await holds(2, HELD)));
        const first = await until('A to redirect', async () => {
          const to = await sendsTo(a);
          return to === 'served' ? undefined : to;
        });
        assert.equal(first, at(b), `A sends to B\n${logs()}`);
        const before = [created(a), created(b), created(c)];
        await uclientThrough(a);
        assert.equal(created(a), before[0], 'A allocated nothing for uclient');
        assert.equal(created(c), before[2]);
        assert.ok(created(b) > before[1], `uclient's allocations are on B\n${logs()}`);
        // The redirects show in A's metrics (Prometheus on its own address, coturn's port 9641).
        const scraped = await (await fetch(`http://${a.host.address}:9641/metrics`)).text();
        const redirects = Number(/^turnpike_fleet_redirects_total (\d+)$/m.exec(scraped)?.[1] ?? 0);
        assert.ok(redirects >= 2, `turnpike_fleet_redirects_total ${redirects}`);

        // B killed: it drops out of the registry, and A, no less loaded than C, serves itself.
        b.server.child.process.kill('SIGKILL');
        await b.server.child.exited;
        // Its record expires, and A reads the registry without it. (A may also serve itself
        // earlier, when it has sent B as many Allocates as B may take before its next heartbeat;
        // B, still listed, would then be picked again at A's next read.)
        await aHasRead('the killed B to drop out of the registry', async () => (await record(1)) === undefined);
        const next = await until('A to stop sending to the killed B', async () => {
          const to = await sendsTo(a);
          return to === at(b) ? undefined : to;
        });
        assert.equal(next, 'served', 'C holds as many as A: A serves');
        for (const h of onC) assert.equal((await h.client.refresh(0)).ok, true);
        await aHasRead('the registry to show C holding nothing', () => holds(2, 0));
        const toC = await until('A to send to C once C holds nothing', async () => {
          const to = await sendsTo(a);
          return to === 'served' ? undefined : to;
        });
        assert.equal(toC, at(c));
        const cBefore = created(c);
        await uclientThrough(a);
        assert.ok(created(c) > cBefore, `uclient's allocations are on C\n${logs()}`);
      } finally {
        for (const h of held) await h.close();
      }
    });
  });
});
