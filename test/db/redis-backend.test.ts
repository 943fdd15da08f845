/**
 * The Redis user database against the Redis at 127.0.0.1:6379 (skipped when there is none),
 * and against coturn's own turnadmin (skipped when it is not installed). Every key this run
 * creates carries a per-run tag and is deleted in `after`, so other users of that Redis are
 * left alone; database 13 holds the data, 11 the one test that deletes the secrets of every
 * realm (it runs only when database 11 is empty).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { openRedisUserDatabase } from '../../src/db/redis.ts';
import type { UserDatabase } from '../../src/db/types.ts';
import { ErrorCode, TurnpikeError } from '../../src/errors.ts';

const DB = 13;
const EMPTY_DB = 11;
const TAG = `t${process.pid}-${randomBytes(3).toString('hex')}`;
const CONN = `ip=127.0.0.1 dbname=${DB} port=6379`;
const realm = (n: string): string => `${n}.${TAG}.example`;
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const run = promisify(execFile);
const TURNADMIN = '/usr/bin/turnadmin';

async function redisUp(): Promise<boolean> {
  const probe = new Redis({ port: 6379, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, disconnectTimeout: 100 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
const available = await redisUp();
const skipRedis = available ? false : 'no Redis at 127.0.0.1:6379';
const skipCoturn = skipRedis || (existsSync(TURNADMIN) ? false : 'coturn\'s turnadmin is not installed');

/** The lines turnadmin prints, without its log lines ("0: : …"). */
async function turnadmin(...args: string[]): Promise<string[]> {
  const { stdout } = await run(TURNADMIN, args, { timeout: 10_000 });
  return stdout.split('\n').filter((l) => l !== '' && !/^\d+: /.test(l));
}

async function rejection(p: Promise<unknown>): Promise<TurnpikeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof TurnpikeError, `a TurnpikeError, not ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

const opened: UserDatabase[] = [];
function open(conninfo = CONN, timeoutMs?: number): UserDatabase {
  const db = openRedisUserDatabase(conninfo, timeoutMs === undefined ? {} : { timeoutMs });
  opened.push(db);
  return db;
}

let other: Redis;
const aclUser = `${TAG}-acl`;

before(async () => {
  if (!available) return;
  other = new Redis({ host: '127.0.0.1', port: 6379, db: DB });
});

after(async () => {
  for (const db of opened) await db.close();
  if (!available) return;
  for (const n of [DB, EMPTY_DB]) {
    await other.select(n);
    let cursor = '0';
    do {
      const [next, keys] = await other.scan(cursor, 'MATCH', `*${TAG}*`, 'COUNT', 1000);
      if (keys.length > 0) await other.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  await other.call('ACL', 'DELUSER', aclUser);
  await other.quit();
});

describe('Redis backend', { skip: skipRedis }, () => {
  test('long-term users: set, read, list (sorted, per realm and all), delete', async () => {
    const db = open();
    const [a, b] = [realm('users-a'), realm('users-b')];
    assert.equal(db.kind, 'redis');
    assert.equal(db.description, `redis://127.0.0.1:6379/${DB}`);
    assert.deepEqual(db.endpoint, { host: '127.0.0.1', port: 6379 });
    await db.createSchema();
    assert.equal(await db.userKey(a, 'nobody'), undefined);
    await db.setUserKey(a, 'zed', md5(`zed:${a}:p`));
    await db.setUserKey(a, 'amy', md5(`amy:${a}:p`));
    await db.setUserKey(b, 'bob', md5(`bob:${b}:p`));
    await db.setUserKey(a, 'amy', '0123456789abcdef0123456789abcdef');
    assert.equal(await other.get(`turn/realm/${a}/user/amy/key`), '0123456789abcdef0123456789abcdef');
    assert.deepEqual(await db.listUsers(a), [
      { realm: a, name: 'amy', hmackey: '0123456789abcdef0123456789abcdef' },
      { realm: a, name: 'zed', hmackey: md5(`zed:${a}:p`) },
    ]);
    const all = (await db.listUsers()).filter((u) => u.realm.includes(TAG));
    assert.deepEqual(all.map((u) => `${u.name}@${u.realm}`), [`amy@${a}`, `zed@${a}`, `bob@${b}`]);
    const everyRealm = (await db.listUsers('')).filter((u) => u.realm.includes(TAG));
    assert.deepEqual(everyRealm.map((u) => u.realm), [a, a, b], "'' lists every realm, as coturn");
    assert.equal(await db.deleteUser(a, 'zed'), true);
    assert.equal(await db.deleteUser(a, 'zed'), false);
    assert.equal(await db.userKey(a, 'zed'), undefined);
  });

  test('a realm with glob characters is matched literally', async () => {
    const db = open();
    await db.setUserKey(realm('g*'), 'u', 'k1');
    await db.setUserKey(realm('gx'), 'u', 'k2');
    assert.deepEqual((await db.listUsers(realm('g*'))).map((u) => u.hmackey), ['k1']);
  });

  test('REST secrets: add, list, delete one, delete a realm\'s', async () => {
    const db = open();
    const [a, b] = [realm('sec-a'), realm('sec-b')];
    await db.addSecret(a, 'zeta');
    await db.addSecret(a, 'alpha');
    await db.addSecret(a, 'alpha');
    await db.addSecret(b, 'beta');
    assert.deepEqual(await db.secrets(a), ['alpha', 'zeta']);
    assert.equal(await other.type(`turn/realm/${a}/secret`), 'set');
    assert.deepEqual(await db.listSecrets(a), [{ realm: a, value: 'alpha' }, { realm: a, value: 'zeta' }]);
    const all = (await db.listSecrets()).filter((s) => s.realm.includes(TAG));
    assert.deepEqual(all, [{ realm: a, value: 'alpha' }, { realm: a, value: 'zeta' }, { realm: b, value: 'beta' }]);
    assert.equal(await db.deleteSecret(a, 'zeta'), true);
    assert.equal(await db.deleteSecret(a, 'zeta'), false);
    await db.addSecret(a, 'gamma');
    assert.equal(await db.deleteAllSecrets(a), 2);
    assert.equal(await db.deleteAllSecrets(a), 0);
    assert.deepEqual(await db.secrets(a), []);
    assert.deepEqual(await db.secrets(b), ['beta']);
  });

  test('listings skip a key of the wrong type, as coturn does', async () => {
    const db = open();
    await other.set(`turn/realm/${realm('wrongtype')}/secret`, 'not a set');
    await db.addSecret(realm('righttype'), 's');
    const mine = (await db.listSecrets()).filter((s) => s.realm.includes(TAG));
    assert.ok(mine.some((s) => s.realm === realm('righttype')));
    assert.ok(!mine.some((s) => s.realm === realm('wrongtype')));
    assert.equal((await rejection(db.secrets(realm('wrongtype')))).code, ErrorCode.DATABASE);
  });

  test('deleteAllSecrets() without a realm empties every realm\'s set (database 11, only when empty)', async (t) => {
    // this deletes every secret in the database: only in an empty one, one test run at a time
    const lock = `turnpike-test-lock:redis-db-${EMPTY_DB}`;
    if ((await other.set(lock, TAG, 'PX', 30_000, 'NX')) !== 'OK') return t.skip('another run holds the lock');
    try {
      await other.select(EMPTY_DB);
      const size = await other.dbsize();
      await other.select(DB);
      if (size !== 0) return t.skip(`database ${EMPTY_DB} is in use`);
      const db = open(`ip=127.0.0.1 dbname=${EMPTY_DB}`);
      await db.addSecret(realm('all-a'), 'x');
      await db.addSecret(realm('all-a'), 'y');
      await db.addSecret(realm('all-b'), 'z');
      await db.setUserKey(realm('all-a'), 'keep', 'k');
      assert.equal(await db.deleteAllSecrets(), 3);
      assert.deepEqual(await db.listSecrets(), []);
      assert.equal(await db.userKey(realm('all-a'), 'keep'), 'k');
    } finally {
      await other.select(DB);
      if ((await other.get(lock)) === TAG) await other.del(lock);
    }
  });

  test('peer ranges come from the two sets', async () => {
    const db = open();
    const r = realm('peers');
    assert.deepEqual(await db.peerRanges(r), { allowed: [], denied: [] });
    await other.sadd(`turn/realm/${r}/allowed-peer-ip`, '172.17.13.200', '172.17.13.201');
    await other.sadd(`turn/realm/${r}/denied-peer-ip`, '172.17.13.133-172.17.14.56', '123::45');
    assert.deepEqual(await db.peerRanges(r), {
      allowed: ['172.17.13.200', '172.17.13.201'],
      denied: ['123::45', '172.17.13.133-172.17.14.56'],
    });
  });

  test('origins: add, read, list (all and per realm), delete', async () => {
    const db = open();
    const [o1, o2] = [`https://one.${TAG}.example:443`, `http://two.${TAG}.example:80`];
    await db.addOrigin(o1, realm('orig-a'));
    await db.addOrigin(o2, realm('orig-b'));
    assert.equal(await other.get(`turn/origin/${o1}`), realm('orig-a'));
    assert.equal(await db.originRealm(o1), realm('orig-a'));
    assert.equal(await db.originRealm(`https://none.${TAG}.example:443`), undefined);
    assert.deepEqual(await db.listOrigins(realm('orig-b')), [{ origin: o2, realm: realm('orig-b') }]);
    const mine = (await db.listOrigins()).filter((o) => o.origin.includes(TAG));
    assert.deepEqual(mine, [{ origin: o2, realm: realm('orig-b') }, { origin: o1, realm: realm('orig-a') }]);
    assert.equal(await db.deleteOrigin(o1), true);
    assert.equal(await db.deleteOrigin(o1), false);
  });

  test('realm options: set, read, list; 0 deletes; bad values are refused', async () => {
    const db = open();
    const [a, b] = [realm('opt-a'), realm('opt-b')];
    await db.setRealmOption(a, 'max-bps', 500000);
    await db.setRealmOption(a, 'user-quota', 10);
    await db.setRealmOption(b, 'total-quota', 7);
    assert.equal(await other.get(`turn/realm/${a}/max-bps`), '500000');
    assert.deepEqual(await db.realmOptions(a), { 'max-bps': 500000, 'user-quota': 10 });
    assert.deepEqual(await db.listRealmOptions(a), [
      { realm: a, option: 'max-bps', value: 500000 },
      { realm: a, option: 'user-quota', value: 10 },
    ]);
    const mine = (await db.listRealmOptions()).filter((o) => o.realm.includes(TAG));
    assert.deepEqual(mine.map((o) => `${o.realm}/${o.option}=${o.value}`),
      [`${a}/max-bps=500000`, `${a}/user-quota=10`, `${b}/total-quota=7`]);
    await db.setRealmOption(a, 'max-bps', 0);
    assert.equal(await other.exists(`turn/realm/${a}/max-bps`), 0);
    assert.deepEqual(await db.realmOptions(a), { 'user-quota': 10 });
    await other.set(`turn/realm/${a}/total-quota`, '12abc');
    assert.equal((await db.realmOptions(a))['total-quota'], 12, 'read as coturn\'s atol');
    for (const bad of [-1, 1.5, Number.NaN]) {
      assert.equal((await rejection(db.setRealmOption(a, 'max-bps', bad))).code, ErrorCode.USAGE);
    }
  });

  test('admin users: realm admin, superuser, change of realm, list, delete', async () => {
    const db = open();
    const [skarling, bayaz] = [`skarling-${TAG}`, `bayaz-${TAG}`];
    await db.setAdminUser({ name: skarling, realm: realm('adm'), password: '$5$salt$hash1' });
    await db.setAdminUser({ name: bayaz, realm: '', password: '$5$salt$hash2' });
    assert.deepEqual(await other.hgetall(`turn/admin_user/${skarling}`), { realm: realm('adm'), password: '$5$salt$hash1' });
    assert.deepEqual(await other.hgetall(`turn/admin_user/${bayaz}`), { password: '$5$salt$hash2' });
    assert.deepEqual(await db.adminUser(skarling), { name: skarling, realm: realm('adm'), password: '$5$salt$hash1' });
    assert.deepEqual(await db.adminUser(bayaz), { name: bayaz, realm: '', password: '$5$salt$hash2' });
    assert.equal(await db.adminUser(`nobody-${TAG}`), undefined);
    await other.hset(`turn/admin_user/nopw-${TAG}`, 'realm', 'x');
    assert.equal(await db.adminUser(`nopw-${TAG}`), undefined, 'coturn needs the password field');
    const mine = (await db.listAdminUsers()).filter((u) => u.name.includes(TAG));
    assert.deepEqual(mine.map((u) => u.name), [bayaz, skarling]);
    await db.setAdminUser({ name: skarling, realm: '', password: '$5$salt$hash3' });
    assert.deepEqual(await db.adminUser(skarling), { name: skarling, realm: '', password: '$5$salt$hash3' });
    assert.equal(await db.deleteAdminUser(skarling), true);
    assert.equal(await db.deleteAdminUser(skarling), false);
  });

  test('no caching: what another client writes or deletes is seen on the next call', async () => {
    const db = open();
    const r = realm('live');
    assert.equal(await db.userKey(r, 'eve'), undefined);
    await other.set(`turn/realm/${r}/user/eve/key`, 'aaaa');
    assert.equal(await db.userKey(r, 'eve'), 'aaaa');
    await other.set(`turn/realm/${r}/user/eve/key`, 'bbbb');
    assert.equal(await db.userKey(r, 'eve'), 'bbbb');
    await other.sadd(`turn/realm/${r}/secret`, 'fresh');
    assert.deepEqual(await db.secrets(r), ['fresh']);
    await other.del(`turn/realm/${r}/user/eve/key`);
    assert.equal(await db.userKey(r, 'eve'), undefined);
  });

  test('close() is safe twice, also unused; calls after it reject', async () => {
    const db = open();
    await db.userKey(realm('close'), 'x');
    await db.close();
    await db.close();
    assert.equal((await rejection(db.userKey(realm('close'), 'x'))).code, ErrorCode.DATABASE);
    const unused = open();
    await unused.close();
    await unused.close();
  });
});

describe('Redis backend failures', { skip: skipRedis }, () => {
  test('unreachable: every call rejects at once with DATABASE, naming the reason and not the password', async () => {
    const db = open('ip=127.0.0.1 port=1 password=hunter2-secret user=someone');
    assert.equal(db.description, 'redis://someone@127.0.0.1:1/0');
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      const e = await rejection(db.listUsers());
      assert.ok(performance.now() - start < 1000, `call ${i} took ${performance.now() - start} ms`);
      assert.equal(e.code, ErrorCode.DATABASE);
      assert.match(e.message, /redis:\/\/someone@127\.0\.0\.1:1\/0.*ECONNREFUSED/);
      assert.doesNotMatch(e.message, /hunter2/);
    }
    await db.close();
  });

  test('an ACL user: the right password works, a wrong one rejects without echoing it', async () => {
    await other.call('ACL', 'SETUSER', aclUser, 'on', '>right-pw-1', '~turn/*', '+@all');
    const good = open(`${CONN} user=${aclUser} password=right-pw-1`);
    await good.setUserKey(realm('acl'), 'u', 'k');
    assert.equal(await good.userKey(realm('acl'), 'u'), 'k');
    const bad = open(`${CONN} user=${aclUser} password=wrong-pw-2`);
    const e = await rejection(bad.userKey(realm('acl'), 'u'));
    assert.equal(e.code, ErrorCode.DATABASE);
    assert.match(e.message, /WRONGPASS/);
    assert.doesNotMatch(e.message, /wrong-pw-2|right-pw-1/);
    await bad.close();
    // a user who may not SELECT would silently stay on database 0: refused instead
    await other.call('ACL', 'SETUSER', aclUser, '-select');
    const stuck = open(`${CONN} user=${aclUser} password=right-pw-1`);
    assert.match((await rejection(stuck.userKey(realm('acl'), 'u'))).message, new RegExp(`SELECT ${DB}: NOPERM`));
    await stuck.close();
  });

  test('TLS files that cannot be read reject with DATABASE', async () => {
    const db = open('ip=127.0.0.1 tls=1 tls-ca=/nonexistent/ca.pem password=pw-not-shown');
    const e = await rejection(db.userKey('r', 'u'));
    assert.equal(e.code, ErrorCode.DATABASE);
    assert.match(e.message, /rediss:\/\/127\.0\.0\.1:6379\/0: TLS files: .*ENOENT/);
    assert.doesNotMatch(e.message, /pw-not-shown/);
  });

  test('a database number the server does not have is an error, not database 0', async () => {
    const db = open('ip=127.0.0.1 dbname=99999');
    const e = await rejection(db.userKey('r', 'u'));
    assert.match(e.message, /SELECT 99999: .*DB index is out of range/);
    await db.close();
  });

  test('a server that never answers: a call rejects within timeoutMs (commands and TLS handshake)', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      for (const extra of ['', ' tls=1']) {
        const db = open(`ip=127.0.0.1 port=${port}${extra}`, 300);
        const start = performance.now();
        const e = await rejection(db.userKey('r', 'u'));
        const took = performance.now() - start;
        assert.equal(e.code, ErrorCode.DATABASE);
        assert.ok(took >= 250 && took < 1500, `took ${took} ms: ${e.message}`);
        assert.match(e.message, /within 300 ms/);
        await db.close();
      }
      // connect_timeout (seconds) bounds connecting instead of timeoutMs, as types.ts says
      const slow = open(`ip=127.0.0.1 port=${port} tls=1 connect_timeout=1`, 300);
      const start = performance.now();
      const e = await rejection(slow.userKey('r', 'u'));
      const took = performance.now() - start;
      assert.ok(took >= 950 && took < 2500, `took ${took} ms: ${e.message}`);
      assert.match(e.message, /within 1000 ms/);
      await slow.close();
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('Redis going away and coming back: fast rejections, then service resumes by itself', async () => {
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const upstream = net.connect(6379, '127.0.0.1');
      for (const s of [client, upstream]) { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)); }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as net.AddressInfo;
    const db = open(`ip=127.0.0.1 port=${port} dbname=${DB}`, 1000);
    const r = realm('flap');
    await db.setUserKey(r, 'u', 'k');

    await new Promise((resolve) => { proxy.close(resolve); for (const s of sockets) s.destroy(); });
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      const e = await rejection(db.userKey(r, 'u'));
      assert.equal(e.code, ErrorCode.DATABASE);
      assert.ok(performance.now() - start < 1100, `down call ${i}: ${e.message}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
    const deadline = Date.now() + 8000;
    let value: string | undefined;
    while (value === undefined) {
      try {
        value = await db.userKey(r, 'u');
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    assert.equal(value, 'k');
    await db.close();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  });
});

describe('interop with coturn\'s turnadmin', { skip: skipCoturn }, () => {
  const N = ['-N', CONN];

  test('what turnadmin writes, Turnpike reads', async () => {
    const db = open();
    const r = realm('ta-w');
    const [origin, adm, gadm] = [`http://Ta.${TAG}.Example:80`, `adm-${TAG}`, `gadm-${TAG}`];
    await turnadmin('-a', ...N, '-u', 'gorst', '-r', r, '-p', 'hero');
    await turnadmin('-s', 'logen', ...N, '-r', r);
    await turnadmin('-g', ...N, '-r', r, '--max-bps', '500000', '--total-quota', '12000', '--user-quota', '10000');
    await turnadmin('-O', ...N, '-o', origin, '-r', r);
    await turnadmin('-A', ...N, '-u', adm, '-r', r, '-p', 'hoodless');
    await turnadmin('-A', ...N, '-u', gadm, '-p', 'magi');

    assert.equal(await db.userKey(r, 'gorst'), md5(`gorst:${r}:hero`));
    assert.deepEqual(await db.listUsers(r), [{ realm: r, name: 'gorst', hmackey: md5(`gorst:${r}:hero`) }]);
    assert.deepEqual(await db.secrets(r), ['logen']);
    assert.deepEqual(await db.realmOptions(r), { 'max-bps': 500000, 'total-quota': 12000, 'user-quota': 10000 });
    assert.equal(await db.originRealm(origin.toLowerCase()), r, 'turnadmin stores the origin lower-cased');
    const a = await db.adminUser(adm);
    assert.equal(a?.realm, r);
    assert.match(a?.password ?? '', /^\$5\$[0-9a-f]+\$[0-9a-f]{64}$/);
    assert.equal((await db.adminUser(gadm))?.realm, '');

    await turnadmin('-g', ...N, '-r', r, '--max-bps', '0');
    assert.deepEqual(await db.realmOptions(r), { 'total-quota': 12000, 'user-quota': 10000 });
    await turnadmin('-d', ...N, '-u', 'gorst', '-r', r);
    await turnadmin('-X', 'logen', ...N, '-r', r);
    await turnadmin('-R', ...N, '-o', origin);
    await turnadmin('-D', ...N, '-u', adm);
    assert.equal(await db.userKey(r, 'gorst'), undefined);
    assert.deepEqual(await db.secrets(r), []);
    assert.equal(await db.originRealm(origin.toLowerCase()), undefined);
    assert.equal(await db.adminUser(adm), undefined);
  });

  test('what Turnpike writes, turnadmin lists', async () => {
    const db = open();
    const r = realm('ta-r');
    const origin = `https://list.${TAG}.example:443`;
    const [adm, gadm] = [`ladm-${TAG}`, `lgadm-${TAG}`];
    await db.setUserKey(r, 'ninefingers', md5(`ninefingers:${r}:youhavetoberealistic`));
    await db.addSecret(r, 'bloody9');
    await db.setRealmOption(r, 'max-bps', 400000);
    await db.setRealmOption(r, 'user-quota', 8000);
    await db.addOrigin(origin, r);
    await db.setAdminUser({ name: adm, realm: r, password: '$5$abcd$0123' });
    await db.setAdminUser({ name: gadm, realm: '', password: '$5$abcd$4567' });

    assert.deepEqual(await turnadmin('-l', ...N, '-r', r), [`ninefingers[${r}]`]);
    assert.ok((await turnadmin('-l', ...N)).includes(`ninefingers[${r}]`));
    assert.deepEqual(await turnadmin('-S', ...N, '-r', r), [`bloody9[${r}]`]);
    assert.ok((await turnadmin('-S', ...N)).includes(`bloody9[${r}]`));
    assert.deepEqual((await turnadmin('-G', ...N, '-r', r)).sort(), [`${r}/max-bps = 400000`, `${r}/user-quota = 8000`]);
    assert.deepEqual(await turnadmin('-I', ...N, '-r', r), [`${origin} ==>> ${r}`]);
    const admins = await turnadmin('-L', ...N);
    assert.ok(admins.includes(`${adm}[${r}]`), admins.join('\n'));
    assert.ok(admins.includes(gadm));
  });
});
