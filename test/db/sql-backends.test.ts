/**
 * One suite, run against the three SQL backends (SQLite file, local PostgreSQL, local MariaDB):
 * every `UserDatabase` method with coturn's semantics, visibility of changes made elsewhere,
 * failures (unreachable, silent, locked, wrong password) as DATABASE errors without the
 * password, recovery when the server comes back, and interop with Debian's coturn turnadmin.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { UserDatabase } from '../../src/db/types.ts';
import {
  haveTurnadmin, mysqlFixture, rejectsDatabase, postgresFixture, sqliteFixture, tcpProxy, turnadmin, type BackendFixture,
} from './sql-fixtures.ts';
import { failureTests } from './sql-failures.ts';

const COTURN_TABLES = [
  'admin_user', 'allowed_peer_ip', 'denied_peer_ip', 'oauth_key', 'turn_origin_to_realm', 'turn_realm_option', 'turn_secret', 'turnusers_lt',
];
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

function suite(fx: BackendFixture): void {
  describe(fx.kind, { skip: fx.skip }, () => {
    let db: UserDatabase;
    before(async () => {
      await fx.create();
      db = fx.open({ timeoutMs: 3000 });
    });
    after(async () => {
      await db?.close();
      await fx.drop();
    });

    test('tables: created as coturn does (SQLite: on open, in a new 0700 directory; SQL servers: by createSchema)', async () => {
      if (fx.kind === 'sqlite') {
        assert.equal(await db.userKey('r', 'nobody'), undefined);
        assert.equal(statSync(path.dirname(fx.connection)).mode & 0o777, 0o700);
      } else {
        await rejectsDatabase(db.userKey('r', 'u'), /turnusers_lt.*(missing|schema\.sql)/);
      }
      await db.createSchema();
      await db.createSchema();
      assert.deepEqual((await fx.tables()).sort(), COTURN_TABLES);
    });

    test('description and endpoint', () => {
      assert.equal(db.kind, fx.kind);
      if (fx.kind === 'sqlite') {
        assert.equal(db.description, `sqlite:${fx.connection}`);
        assert.equal(db.endpoint, undefined);
      } else {
        const port = fx.kind === 'mysql' ? 3306 : 5432;
        const user = fx.kind === 'mysql' ? 'root' : 'postgres';
        assert.match(db.description, new RegExp(`^${fx.kind}://${user}@127\\.0\\.0\\.1:${port}/turnpike_test_\\w+$`));
        assert.deepEqual(db.endpoint, { host: '127.0.0.1', port });
      }
    });

    test('long-term users: set, replace, read, list (coturn\'s order), delete', async () => {
      await db.setUserKey('r2', 'bob', md5('bob:r2:x'));
      await db.setUserKey('r1', 'carol', md5('carol:r1:x'));
      await db.setUserKey('r1', 'alice', md5('alice:r1:old'));
      await db.setUserKey('r1', 'alice', md5('alice:r1:new'));
      assert.equal(await db.userKey('r1', 'alice'), md5('alice:r1:new'));
      assert.equal(await db.userKey('r2', 'alice'), undefined);
      assert.deepEqual((await db.listUsers()).map((u) => `${u.realm}/${u.name}`), ['r1/alice', 'r1/carol', 'r2/bob']);
      assert.deepEqual(await db.listUsers('r1'), [
        { realm: 'r1', name: 'alice', hmackey: md5('alice:r1:new') },
        { realm: 'r1', name: 'carol', hmackey: md5('carol:r1:x') },
      ]);
      assert.deepEqual(await db.listUsers(''), await db.listUsers(), "realm '' lists every realm, as coturn");
      assert.equal(await db.deleteUser('r1', 'carol'), true);
      assert.equal(await db.deleteUser('r1', 'carol'), false);
      assert.deepEqual((await db.listUsers()).map((u) => u.name), ['alice', 'bob']);
    });

    test('REST secrets: add (twice), per realm, list, delete one, delete all of a realm or of every realm', async () => {
      await db.addSecret('r1', 'b-secret');
      await db.addSecret('r1', 'a-secret');
      await db.addSecret('r1', 'a-secret');
      await db.addSecret('r2', 'c-secret');
      await db.addSecret('', 'default-secret');
      assert.deepEqual((await db.secrets('r1')).sort(), ['a-secret', 'b-secret']);
      assert.deepEqual(await db.listSecrets('r1'), [{ realm: 'r1', value: 'a-secret' }, { realm: 'r1', value: 'b-secret' }]);
      assert.deepEqual((await db.listSecrets()).map((s) => `${s.realm}/${s.value}`), ['/default-secret', 'r1/a-secret', 'r1/b-secret', 'r2/c-secret']);
      assert.equal(await db.deleteSecret('r1', 'b-secret'), true);
      assert.equal(await db.deleteSecret('r1', 'b-secret'), false);
      assert.equal(await db.deleteAllSecrets(''), 1, "realm '' only, as coturn's --delete-all-secrets without -r");
      assert.equal(await db.deleteAllSecrets('r1'), 1);
      assert.deepEqual(await db.listSecrets(), [{ realm: 'r2', value: 'c-secret' }]);
      await db.addSecret('r1', 'x');
      assert.equal(await db.deleteAllSecrets(), 2);
      assert.deepEqual(await db.listSecrets(), []);
    });

    test('peer ranges of a realm', async () => {
      await fx.raw("insert into allowed_peer_ip (realm,ip_range) values ('r1','10.0.0.1'), ('r1','192.168.0.0-192.168.0.255'), ('r2','10.9.9.9')");
      await fx.raw("insert into denied_peer_ip (realm,ip_range) values ('r1','172.16.0.0-172.31.255.255')");
      const r1 = await db.peerRanges('r1');
      assert.deepEqual(r1.allowed.sort(), ['10.0.0.1', '192.168.0.0-192.168.0.255']);
      assert.deepEqual(r1.denied, ['172.16.0.0-172.31.255.255']);
      assert.deepEqual(await db.peerRanges('r3'), { allowed: [], denied: [] });
    });

    test('origins: add, replace, read, list, delete', async () => {
      await db.addOrigin('http://b.example', 'r1');
      await db.addOrigin('http://a.example', 'r2');
      await db.addOrigin('http://c.example:8080', 'r1');
      await db.addOrigin('http://a.example', 'r1');
      assert.equal(await db.originRealm('http://a.example'), 'r1');
      assert.equal(await db.originRealm('http://z.example'), undefined);
      assert.deepEqual((await db.listOrigins('r1')).map((o) => o.origin), ['http://a.example', 'http://b.example', 'http://c.example:8080']);
      await db.addOrigin('http://d.example', 'r0');
      assert.deepEqual((await db.listOrigins()).map((o) => `${o.realm} ${o.origin}`).slice(0, 2), ['r0 http://d.example', 'r1 http://a.example']);
      assert.equal(await db.deleteOrigin('http://d.example'), true);
      assert.equal(await db.deleteOrigin('http://d.example'), false);
    });

    test('realm options: set, replace, 0 deletes, list in coturn\'s order; bad values reject', async () => {
      await db.setRealmOption('r1', 'user-quota', 10);
      await db.setRealmOption('r1', 'max-bps', 1000);
      await db.setRealmOption('r1', 'max-bps', 64000);
      await db.setRealmOption('r0', 'total-quota', 5);
      assert.deepEqual(await db.realmOptions('r1'), { 'max-bps': 64000, 'user-quota': 10 });
      assert.deepEqual(await db.listRealmOptions(), [
        { realm: 'r0', option: 'total-quota', value: 5 },
        { realm: 'r1', option: 'max-bps', value: 64000 },
        { realm: 'r1', option: 'user-quota', value: 10 },
      ]);
      await db.setRealmOption('r1', 'user-quota', 0);
      await db.setRealmOption('r1', 'total-quota', 0);
      assert.deepEqual(await db.listRealmOptions('r1'), [{ realm: 'r1', option: 'max-bps', value: 64000 }]);
      assert.deepEqual(await db.realmOptions('r9'), {});
      await rejectsDatabase(db.setRealmOption('r1', 'max-bps', -1), /invalid realm value -1/);
      await rejectsDatabase(db.setRealmOption('r1', 'max-bps', 1.5), /invalid realm value 1.5/);
      await db.setRealmOption('r0', 'total-quota', 0);
    });

    test('admin users: set, replace, read, list (by realm, then name), delete', async () => {
      await db.setAdminUser({ name: 'zed', realm: '', password: '$5$aa$bb' });
      await db.setAdminUser({ name: 'amy', realm: 'r1', password: '$5$cc$dd' });
      await db.setAdminUser({ name: 'bea', realm: '', password: '$5$ee$ff' });
      await db.setAdminUser({ name: 'zed', realm: 'r0', password: '$5$gg$hh' });
      assert.deepEqual(await db.adminUser('zed'), { name: 'zed', realm: 'r0', password: '$5$gg$hh' });
      assert.equal(await db.adminUser('nobody'), undefined);
      assert.deepEqual((await db.listAdminUsers()).map((a) => `${a.realm}/${a.name}`), ['/bea', 'r0/zed', 'r1/amy']);
      assert.equal(await db.deleteAdminUser('bea'), true);
      assert.equal(await db.deleteAdminUser('bea'), false);
    });

    test('oauth keys (RFC 7635): a row as coturn writes it is read by kid; a missing kid is undefined', async () => {
      await fx.raw("insert into oauth_key (kid,ikm_key,timestamp,lifetime,as_rs_alg,realm) values ('north','MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEK',1700000000,3600,'A256GCM','north.gov')");
      await fx.raw("insert into oauth_key (kid,ikm_key) values ('bare','MTIzNDU2Nzg5MDEyMzQ1Ngo=')");
      assert.deepEqual(await db.oauthKey('north'), { kid: 'north', ikmKey: 'MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEK', timestamp: 1700000000, lifetime: 3600, asRsAlg: 'A256GCM', realm: 'north.gov' });
      assert.deepEqual(await db.oauthKey('bare'), { kid: 'bare', ikmKey: 'MTIzNDU2Nzg5MDEyMzQ1Ngo=', timestamp: 0, lifetime: 0, asRsAlg: '', realm: '' });
      assert.equal(await db.oauthKey('south'), undefined);
    });

    test('no caching: changes through a second connection show on the next call', async () => {
      const other = fx.open({ timeoutMs: 3000 });
      try {
        for (let i = 0; i < 3; i++) {
          await other.setUserKey('live', 'u', md5(`u:live:${i}`));
          assert.equal(await db.userKey('live', 'u'), md5(`u:live:${i}`));
        }
        await other.addSecret('live', 's');
        assert.deepEqual(await db.secrets('live'), ['s']);
        await other.setRealmOption('live', 'max-bps', 7);
        assert.deepEqual(await db.realmOptions('live'), { 'max-bps': 7 });
        await other.deleteUser('live', 'u');
        assert.equal(await db.userKey('live', 'u'), undefined);
        await fx.raw("insert into denied_peer_ip (realm,ip_range) values ('live','10.1.1.1')");
        assert.deepEqual((await db.peerRanges('live')).denied, ['10.1.1.1']);
      } finally {
        await other.close();
      }
    });

    test('coturn interop: Debian turnadmin lists what Turnpike wrote', { skip: haveTurnadmin ? false : 'no turnadmin' }, async () => {
      await db.setUserKey('interop.example', 'alice', md5('alice:interop.example:pw'));
      await db.addSecret('interop.example', 'rest-secret');
      await db.addOrigin('http://interop.example', 'interop.example');
      await db.setRealmOption('interop.example', 'max-bps', 3000);
      await db.setAdminUser({ name: 'boss', realm: 'interop.example', password: '$5$aa$bb' });
      const args = fx.coturnArgs();
      assert.ok(turnadmin(['-l', '-r', 'interop.example', ...args]).includes('alice[interop.example]'));
      assert.ok(turnadmin(['-l', ...args]).includes('alice[interop.example]'));
      assert.deepEqual(turnadmin(['-S', '-r', 'interop.example', ...args]), ['rest-secret[interop.example]']);
      assert.ok(turnadmin(['-I', ...args]).includes('http://interop.example ==>> interop.example'));
      assert.deepEqual(turnadmin(['-G', '-r', 'interop.example', ...args]), ['max-bps[interop.example]=3000']);
      assert.ok(turnadmin(['-L', ...args]).includes('boss[interop.example]'));
    });

    test('coturn interop: Turnpike reads what Debian turnadmin wrote, while open', { skip: haveTurnadmin ? false : 'no turnadmin' }, async () => {
      const args = fx.coturnArgs();
      assert.equal(await db.userKey('coturn.example', 'u'), undefined);
      turnadmin(['-a', '-u', 'u', '-r', 'coturn.example', '-p', 'p', ...args]);
      assert.equal(await db.userKey('coturn.example', 'u'), md5('u:coturn.example:p'));
      turnadmin(['-a', '-u', 'u', '-r', 'coturn.example', '-p', 'p2', ...args]);
      assert.equal(await db.userKey('coturn.example', 'u'), md5('u:coturn.example:p2'));
      turnadmin(['-s', 'shared', '-r', 'coturn.example', ...args]);
      assert.deepEqual(await db.secrets('coturn.example'), ['shared']);
      turnadmin(['-O', '-o', 'https://Coturn.Example', '-r', 'coturn.example', ...args]);
      assert.equal(await db.originRealm('https://coturn.example:443'), 'coturn.example', 'coturn stores the canonical origin');
      turnadmin(['-g', '--user-quota', '4', '--total-quota', '9', '-r', 'coturn.example', ...args]);
      assert.deepEqual(await db.realmOptions('coturn.example'), { 'user-quota': 4, 'total-quota': 9 });
      turnadmin(['-A', '-u', 'root-admin', '-p', 'adminpw', ...args]);
      const admin = await db.adminUser('root-admin');
      assert.equal(admin?.realm, '');
      assert.match(admin?.password ?? '', /^\$5\$[0-9a-f]+\$[0-9a-f]{64}$/);
      turnadmin(['-d', '-u', 'u', '-r', 'coturn.example', ...args]);
      assert.equal(await db.userKey('coturn.example', 'u'), undefined);
    });

    test('a server that goes away and comes back works again without reopening', { skip: fx.kind === 'sqlite' ? 'no server' : false }, async () => {
      await db.setUserKey('back', 'u', md5('u:back:p'));
      const proxy = await tcpProxy(fx.kind === 'mysql' ? 3306 : 5432);
      const viaProxy = fx.open({ timeoutMs: 1500 }, fx.via(proxy.port));
      try {
        assert.equal(await viaProxy.userKey('back', 'u'), md5('u:back:p'));
        await proxy.stop();
        await rejectsDatabase(viaProxy.userKey('back', 'u'), /ECONNREFUSED|closed|terminated|timed out/i);
        await proxy.start();
        assert.equal(await viaProxy.userKey('back', 'u'), md5('u:back:p'));
        // the server ends every connection (a restart): the pool replaces them
        await fx.killConnections();
        assert.equal(await db.userKey('back', 'u'), md5('u:back:p'));
        assert.equal(await viaProxy.userKey('back', 'u'), md5('u:back:p'));
      } finally {
        await viaProxy.close();
        await proxy.stop();
      }
    });

    failureTests(fx, () => db);

    test('close: twice is fine; calls after it reject', async () => {
      const extra = fx.open();
      assert.deepEqual(await extra.listAdminUsers().then((l) => l.length > 0), true);
      await extra.close();
      await extra.close();
      await rejectsDatabase(extra.userKey('r', 'u'), /closed/);
    });
  });
}

const fixtures = [sqliteFixture(), await postgresFixture(), await mysqlFixture()];
for (const fx of fixtures) suite(fx);
