/**
 * The Redis user database when things go wrong (an unreachable or silent server, a wrong
 * password, a connection cut and restored), and against coturn's own turnadmin both ways.
 * Skipped when there is no Redis at 127.0.0.1:6379 (or no turnadmin).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Redis } from 'ioredis';
import { ErrorCode } from '../../src/errors.ts';
import { CONN, DB, TAG, aclUser, md5, open, otherClient, realm, redisHooks, rejection, skipCoturn, skipRedis, turnadmin } from './redis-fixtures.ts';

redisHooks();

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
    await otherClient().call('ACL', 'SETUSER', aclUser, 'on', '>right-pw-1', '~turn/*', '+@all');
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
    await otherClient().call('ACL', 'SETUSER', aclUser, '-select');
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
