/**
 * The failure half of the SQL backends' shared suite (registered inside each backend's
 * `describe` by sql-backends.test.ts): unreachable and silent servers, wrong passwords, locked
 * tables, each a DATABASE error in time and without the password, and recovery afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { encryptAesPassword, generateAesKey } from '../../src/db/aes-password.ts';
import type { UserDatabase } from '../../src/db/types.ts';
import { refusingPostgres, rejectsDatabase, silentServer, type BackendFixture } from './sql-fixtures.ts';

const PASSWORD = 'hunter2-Sup3rSecret';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
}

/** A connection string of the backend's form to 127.0.0.1:`port`, with a password. */
function conninfoTo(fx: BackendFixture, port: number, extra = ''): string {
  return fx.kind === 'postgresql'
    ? `host=127.0.0.1 port=${port} dbname=coturn user=turn password='${PASSWORD}' ${extra}`
    : `host=127.0.0.1 port=${port} dbname=coturn user=turn password=${PASSWORD} ${extra}`;
}

/** Registers the failure tests for one backend; `db` is the suite's open database (tables created). */
export function failureTests(fx: BackendFixture, db: () => UserDatabase): void {
  test('unreachable: rejects with DATABASE quickly, naming the backend and the reason, never the password', async () => {
    if (fx.kind === 'sqlite') {
      const bad = fx.open({ timeoutMs: 500 }, '/proc/turnpike-cannot-exist/turndb');
      await rejectsDatabase(bad.userKey('r', 'u'), /^SQLite user database \/proc\/turnpike-cannot-exist\/turndb: .+/);
      await bad.close();
      return;
    }
    const bad = fx.open({ timeoutMs: 2000 }, conninfoTo(fx, 1));
    const [err, ms] = await timed(() => rejectsDatabase(bad.userKey('r', 'u'), /ECONNREFUSED/, [PASSWORD]));
    assert.match(err.message, fx.kind === 'mysql' ? /^MySQL user database mysql:\/\/turn@127\.0\.0\.1:1\/coturn: / : /^PostgreSQL user database postgresql:\/\/turn@127\.0\.0\.1:1\/coturn: /);
    assert.ok(ms < 2000, `took ${ms} ms`);
    for (const method of [() => bad.listUsers(), () => bad.addSecret('r', 's'), () => bad.createSchema(), () => bad.setRealmOption('r', 'max-bps', 0)]) {
      await rejectsDatabase(method(), /ECONNREFUSED/, [PASSWORD]);
    }
    await bad.close();
  });

  test('a server that never answers: timeoutMs bounds the call; connect_timeout wins for connecting', { skip: fx.kind === 'sqlite' ? 'no server' : false }, async () => {
    const silent = await silentServer();
    try {
      const quick = fx.open({ timeoutMs: 400 }, conninfoTo(fx, silent.port));
      const [, ms] = await timed(() => rejectsDatabase(quick.userKey('r', 'u'), /time/i, [PASSWORD]));
      assert.ok(ms >= 350 && ms < 2500, `took ${ms} ms`);
      await quick.close();
      const patient = fx.open({ timeoutMs: 400 }, conninfoTo(fx, silent.port, 'connect_timeout=2'));
      const [, ms2] = await timed(() => rejectsDatabase(patient.userKey('r', 'u'), /time/i, [PASSWORD]));
      assert.ok(ms2 >= 1900 && ms2 < 4500, `took ${ms2} ms`);
      await patient.close();
    } finally {
      await silent.close();
    }
  });

  test('a wrong password: a clear error without the password', { skip: fx.kind === 'sqlite' ? 'no password' : false }, async () => {
    if (fx.kind === 'postgresql') {
      // the local server trusts every local connection: a fake one refuses (and echoes the password)
      const fake = await refusingPostgres();
      try {
        const bad = fx.open({ timeoutMs: 2000 }, conninfoTo(fx, fake.port));
        const err = await rejectsDatabase(bad.userKey('r', 'u'), /password authentication failed for user "turn".*28P01/, [PASSWORD]);
        assert.match(err.message, /\(got \*\*\*\)/);
        await bad.close();
      } finally {
        await fake.close();
      }
      return;
    }
    const user = `tp_${randomBytes(4).toString('hex')}`;
    const dbname = /dbname=(\S+)/.exec(fx.connection)![1];
    await fx.raw(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'`);
    try {
      await fx.raw(`GRANT ALL ON ${dbname}.* TO '${user}'@'127.0.0.1'`);
      const wrong = fx.open({ timeoutMs: 2000 }, `host=127.0.0.1 dbname=${dbname} user=${user} password=not-${PASSWORD}`);
      await rejectsDatabase(wrong.userKey('r', 'u'), new RegExp(`Access denied for user '${user}'`), [PASSWORD]);
      await wrong.close();
      // coturn's secret-key-file: the password in the string is AES-encrypted
      const key = generateAesKey();
      const encrypted = encryptAesPassword(PASSWORD, key);
      const right = fx.open({ timeoutMs: 2000, secretKey: key }, `host=127.0.0.1 dbname=${dbname} user=${user} password=${encrypted}`);
      await db().setUserKey('enc', 'u', md5('u:enc:p'));
      assert.equal(await right.userKey('enc', 'u'), md5('u:enc:p'));
      await right.close();
      const wrongEnc = encryptAesPassword(`x${PASSWORD}`, key);
      const bad = fx.open({ timeoutMs: 2000, secretKey: key }, `host=127.0.0.1 dbname=${dbname} user=${user} password=${wrongEnc}`);
      await rejectsDatabase(bad.userKey('enc', 'u'), /Access denied/, [PASSWORD, wrongEnc]);
      await bad.close();
    } finally {
      await fx.raw(`DROP USER '${user}'@'127.0.0.1'`);
    }
  });

  test('a locked table: the call times out, and the same database works once the lock is gone', async () => {
    await db().setUserKey('lock', 'u', md5('u:lock:p'));
    const impatient = fx.open({ timeoutMs: 500 });
    const holder = await fx.session();
    try {
      assert.equal(await impatient.userKey('lock', 'u'), md5('u:lock:p'));
      if (fx.kind === 'sqlite') {
        // WAL: a writer elsewhere blocks writers, never readers
        await holder.sql("BEGIN IMMEDIATE; insert into turnusers_lt (realm,name,hmackey) values ('lock','v','x')");
        const [, ms] = await timed(() => rejectsDatabase(impatient.setUserKey('lock', 'w', 'y'), /locked/i));
        assert.ok(ms >= 400 && ms < 3000, `took ${ms} ms`);
        assert.equal(await impatient.userKey('lock', 'u'), md5('u:lock:p'));
        assert.equal(await impatient.userKey('lock', 'v'), undefined, 'not committed yet');
        await holder.sql('COMMIT');
        assert.equal(await impatient.userKey('lock', 'v'), 'x');
      } else {
        await holder.sql(fx.kind === 'mysql' ? 'LOCK TABLES turnusers_lt WRITE' : 'BEGIN; LOCK TABLE turnusers_lt IN ACCESS EXCLUSIVE MODE');
        const [, ms] = await timed(() => rejectsDatabase(impatient.userKey('lock', 'u'), /time/i));
        assert.ok(ms >= 400 && ms < 3000, `took ${ms} ms`);
        await holder.sql(fx.kind === 'mysql' ? 'UNLOCK TABLES' : 'COMMIT');
      }
      assert.equal(await impatient.userKey('lock', 'u'), md5('u:lock:p'));
      await impatient.setUserKey('lock', 'w', md5('w:lock:p'));
      assert.equal(await db().userKey('lock', 'w'), md5('w:lock:p'));
    } finally {
      await holder.close();
      await impatient.close();
    }
  });
}
