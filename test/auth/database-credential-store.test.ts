/**
 * Credentials from a real SQLite user database: configured users first, then the database's,
 * read afresh at each look-up; REST secrets from the database only when the configuration has
 * none; bad keys skipped and named; overlapping look-ups of one user share one query.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabaseCredentialStore } from '../../src/auth/database-credential-store.ts';
import { longTermKey } from '../../src/auth/long-term-key.ts';
import { restApiPassword } from '../../src/auth/rest-api.ts';
import { DatabaseHealth } from '../../src/db/health.ts';
import { openUserDatabase } from '../../src/db/open.ts';
import type { UserDatabase } from '../../src/db/types.ts';
import { captureLogger } from '../helpers/capture-logger.ts';

const REALM = 'north.gov';
const NOW = 1_800_000_000_000;
const hex = (user: string, password: string): string => Buffer.from(longTermKey(user, REALM, password)).toString('hex');

describe('a credential store on SQLite', () => {
  let dir: string;
  let db: UserDatabase;
  let userKeyCalls = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'turnpike-store-'));
    const real = await openUserDatabase({ kind: 'sqlite', connection: join(dir, 'turndb') });
    // The real database, with its user look-ups counted.
    db = new Proxy(real, {
      get(target, name) {
        if (name === 'userKey') {
          return (realm: string, user: string) => {
            userKeyCalls++;
            return target.userKey(realm, user);
          };
        }
        if (name === 'userKeys') {
          return (realm: string, users: string[]) => {
            userKeyCalls++;
            return target.userKeys!(realm, users);
          };
        }
        const value: unknown = Reflect.get(target, name);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await db.setUserKey(REALM, 'gorst', hex('gorst', 'hero'));
    await db.setUserKey(REALM, 'short', 'abc');
    await db.addSecret(REALM, 'logen');
  });
  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const store = (over: Partial<Parameters<typeof createDatabaseCredentialStore>[0]> = {}) => {
    const log = captureLogger();
    const s = createDatabaseCredentialStore({
      db, health: new DatabaseHealth(log, db.description), log,
      users: [{ name: 'ling', password: 'ling1234' }], realm: REALM, useAuthSecret: false, staticAuthSecrets: [], restApiSeparator: ':',
      ...over,
    });
    return { s, log };
  };

  test('configured users need no query; database users are read at each look-up', async () => {
    const { s } = store();
    const calls = userKeyCalls;
    const ling = await s.lookup('ling', REALM, NOW);
    assert.equal(ling.keys.length, 1);
    assert.equal(userKeyCalls, calls, 'no query for a configured user');
    assert.deepEqual((await s.lookup('gorst', REALM, NOW)).keys, [Buffer.from(hex('gorst', 'hero'), 'hex')]);
    await db.setUserKey(REALM, 'gorst', hex('gorst', 'villain'));
    assert.deepEqual((await s.lookup('gorst', REALM, NOW)).keys, [Buffer.from(hex('gorst', 'villain'), 'hex')], 're-keyed: seen at once');
    await db.deleteUser(REALM, 'gorst');
    assert.deepEqual(await s.lookup('gorst', REALM, NOW), { keys: [], reason: 'unknown-user' });
    await db.setUserKey(REALM, 'gorst', hex('gorst', 'hero'));
  });

  test('a key that is not 32 hex digits is skipped and named once', async () => {
    const { s, log } = store();
    assert.deepEqual(await s.lookup('short', REALM, NOW), { keys: [], reason: 'unknown-user' });
    await s.lookup('short', REALM, NOW);
    const bad = log.events.filter((e) => e.event === 'user-database-bad-row');
    assert.equal(bad.length, 1);
    assert.equal(bad[0].fields.row, `realm=${REALM} name=short`);
  });

  test('look-ups that arrive together are one query: the same user, or many', async () => {
    const { s } = store();
    let calls = userKeyCalls;
    const answers = await Promise.all(Array.from({ length: 20 }, () => s.lookup('gorst', REALM, NOW)));
    assert.equal(userKeyCalls, calls + 1);
    for (const a of answers) assert.equal(a.keys.length, 1);
    for (let i = 0; i < 300; i++) await db.setUserKey(REALM, `user-${i}`, hex(`user-${i}`, `pw-${i}`));
    calls = userKeyCalls;
    const many = await Promise.all(Array.from({ length: 300 }, (_, i) => s.lookup(`user-${i}`, REALM, NOW)));
    assert.equal(userKeyCalls, calls + 2, '300 users in two queries of at most 256 names');
    many.forEach((a, i) => assert.deepEqual(a.keys, [Buffer.from(hex(`user-${i}`, `pw-${i}`), 'hex')], `user-${i}`));
    const mixed = await Promise.all([s.lookup('user-7', REALM, NOW), s.lookup('nobody', REALM, NOW), s.lookup('user-8', 'other.realm', NOW)]);
    assert.deepEqual(mixed.map((a) => a.keys.length), [1, 0, 0]);
  });

  test('REST secrets come from the database when the configuration has none, and never otherwise', async () => {
    const user = `${Math.floor(NOW / 1000) + 3600}:alice`;
    const expected = longTermKey(user, REALM, restApiPassword('logen', user));
    const fromDb = store({ useAuthSecret: true, users: [] }).s;
    assert.deepEqual((await fromDb.lookup(user, REALM, NOW)).keys, [expected]);
    assert.equal((await fromDb.lookup('gorst', REALM, NOW)).keys.length, 0, 'the REST API decides alone');
    assert.equal((await fromDb.lookup(`${Math.floor(NOW / 1000) - 1}:alice`, REALM, NOW)).reason, 'rest-expired');
    const configured = store({ useAuthSecret: true, users: [], staticAuthSecrets: ['bloody9'] }).s;
    assert.deepEqual((await configured.lookup(user, REALM, NOW)).keys, [longTermKey(user, REALM, restApiPassword('bloody9', user))]);
    const both = store({ useAuthSecret: true, users: [], usersWithAuthSecret: true }).s;
    assert.equal((await both.lookup('gorst', REALM, NOW)).keys.length, 1, "serve's mode: database users next to REST credentials");
  });
});
