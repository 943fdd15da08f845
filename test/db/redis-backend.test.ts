/**
 * The Redis user database against the Redis at 127.0.0.1:6379 (skipped when there is none),
 * and against coturn's own turnadmin (skipped when it is not installed). Every key this run
 * creates carries a per-run tag and is deleted in `after`, so other users of that Redis are
 * left alone; database 13 holds the data, 11 the one test that deletes the secrets of every
 * realm (it runs only when database 11 is empty).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ErrorCode } from '../../src/errors.ts';
import { DB, EMPTY_DB, TAG, md5, open, otherClient, realm, redisHooks, rejection, run, skipRedis } from './redis-fixtures.ts';

redisHooks();

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
    assert.equal(await otherClient().get(`turn/realm/${a}/user/amy/key`), '0123456789abcdef0123456789abcdef');
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
    assert.equal(await otherClient().type(`turn/realm/${a}/secret`), 'set');
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
    await otherClient().set(`turn/realm/${realm('wrongtype')}/secret`, 'not a set');
    await db.addSecret(realm('righttype'), 's');
    const mine = (await db.listSecrets()).filter((s) => s.realm.includes(TAG));
    assert.ok(mine.some((s) => s.realm === realm('righttype')));
    assert.ok(!mine.some((s) => s.realm === realm('wrongtype')));
    assert.equal((await rejection(db.secrets(realm('wrongtype')))).code, ErrorCode.DATABASE);
  });

  test('deleteAllSecrets() without a realm empties every realm\'s set (database 11, only when empty)', async (t) => {
    // this deletes every secret in the database: only in an empty one, one test run at a time
    const lock = `turnpike-test-lock:redis-db-${EMPTY_DB}`;
    if ((await otherClient().set(lock, TAG, 'PX', 30_000, 'NX')) !== 'OK') return t.skip('another run holds the lock');
    try {
      await otherClient().select(EMPTY_DB);
      const size = await otherClient().dbsize();
      await otherClient().select(DB);
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
      await otherClient().select(DB);
      if ((await otherClient().get(lock)) === TAG) await otherClient().del(lock);
    }
  });

  test('peer ranges come from the two sets', async () => {
    const db = open();
    const r = realm('peers');
    assert.deepEqual(await db.peerRanges(r), { allowed: [], denied: [] });
    await otherClient().sadd(`turn/realm/${r}/allowed-peer-ip`, '172.17.13.200', '172.17.13.201');
    await otherClient().sadd(`turn/realm/${r}/denied-peer-ip`, '172.17.13.133-172.17.14.56', '123::45');
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
    assert.equal(await otherClient().get(`turn/origin/${o1}`), realm('orig-a'));
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
    assert.equal(await otherClient().get(`turn/realm/${a}/max-bps`), '500000');
    assert.deepEqual(await db.realmOptions(a), { 'max-bps': 500000, 'user-quota': 10 });
    assert.deepEqual(await db.listRealmOptions(a), [
      { realm: a, option: 'max-bps', value: 500000 },
      { realm: a, option: 'user-quota', value: 10 },
    ]);
    const mine = (await db.listRealmOptions()).filter((o) => o.realm.includes(TAG));
    assert.deepEqual(mine.map((o) => `${o.realm}/${o.option}=${o.value}`),
      [`${a}/max-bps=500000`, `${a}/user-quota=10`, `${b}/total-quota=7`]);
    await db.setRealmOption(a, 'max-bps', 0);
    assert.equal(await otherClient().exists(`turn/realm/${a}/max-bps`), 0);
    assert.deepEqual(await db.realmOptions(a), { 'user-quota': 10 });
    await otherClient().set(`turn/realm/${a}/total-quota`, '12abc');
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
    assert.deepEqual(await otherClient().hgetall(`turn/admin_user/${skarling}`), { realm: realm('adm'), password: '$5$salt$hash1' });
    assert.deepEqual(await otherClient().hgetall(`turn/admin_user/${bayaz}`), { password: '$5$salt$hash2' });
    assert.deepEqual(await db.adminUser(skarling), { name: skarling, realm: realm('adm'), password: '$5$salt$hash1' });
    assert.deepEqual(await db.adminUser(bayaz), { name: bayaz, realm: '', password: '$5$salt$hash2' });
    assert.equal(await db.adminUser(`nobody-${TAG}`), undefined);
    await otherClient().hset(`turn/admin_user/nopw-${TAG}`, 'realm', 'x');
    assert.equal(await db.adminUser(`nopw-${TAG}`), undefined, 'coturn needs the password field');
    const mine = (await db.listAdminUsers()).filter((u) => u.name.includes(TAG));
    assert.deepEqual(mine.map((u) => u.name), [bayaz, skarling]);
    await db.setAdminUser({ name: skarling, realm: '', password: '$5$salt$hash3' });
    assert.deepEqual(await db.adminUser(skarling), { name: skarling, realm: '', password: '$5$salt$hash3' });
    assert.equal(await db.deleteAdminUser(skarling), true);
    assert.equal(await db.deleteAdminUser(skarling), false);
  });

  test('oauth keys (RFC 7635): the hash turn/oauth/kid/<kid> as coturn writes it', async () => {
    const db = open();
    const kid = `north-${TAG}`;
    await otherClient().hset(`turn/oauth/kid/${kid}`, 'ikm_key', 'MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEK', 'as_rs_alg', 'A128GCM', 'timestamp', '1700000000', 'lifetime', '3600', 'realm', 'north.gov');
    assert.deepEqual(await db.oauthKey(kid), { kid, ikmKey: 'MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEK', timestamp: 1700000000, lifetime: 3600, asRsAlg: 'A128GCM', realm: 'north.gov' });
    assert.equal(await db.oauthKey(`south-${TAG}`), undefined);
  });

  test('no caching: what another client writes or deletes is seen on the next call', async () => {
    const db = open();
    const r = realm('live');
    assert.equal(await db.userKey(r, 'eve'), undefined);
    await otherClient().set(`turn/realm/${r}/user/eve/key`, 'aaaa');
    assert.equal(await db.userKey(r, 'eve'), 'aaaa');
    await otherClient().set(`turn/realm/${r}/user/eve/key`, 'bbbb');
    assert.equal(await db.userKey(r, 'eve'), 'bbbb');
    await otherClient().sadd(`turn/realm/${r}/secret`, 'fresh');
    assert.deepEqual(await db.secrets(r), ['fresh']);
    await otherClient().del(`turn/realm/${r}/user/eve/key`);
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
