/**
 * `turnadmin`'s database commands against an in-memory database: what each writes, how
 * listings print (coturn's formats), what each needs (coturn's messages and exit status 255),
 * and how database errors show. The real backends are in test/interop/turnadmin-backends.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, TurnpikeError } from '../../src/errors.ts';
import { turnadmin, type TurnadminEnvironment } from '../../src/cli/turnadmin.ts';
import { verifyAdminPassword } from '../../src/auth/admin-password.ts';
import type { UserDbTarget } from '../../src/db/open.ts';
import type { DbAdminUser, RealmOptionName, UserDatabase, UserDbKind, UserDbOptions } from '../../src/db/types.ts';

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byRealm = <T extends { realm: string }>(key: (t: T) => string) => (a: T, b: T): number =>
  cmp(a.realm, b.realm) || cmp(key(a), key(b));

/** Just enough of a user database, sorted as the SQL backends sort. */
class MemoryDb implements UserDatabase {
  readonly kind: UserDbKind;
  readonly description = 'memory';
  users = new Map<string, string>();
  secretsSet = new Set<string>();
  origins = new Map<string, string>();
  options = new Map<string, number>();
  admins = new Map<string, DbAdminUser>();
  closed = 0;
  constructor(kind: UserDbKind = 'sqlite') {
    this.kind = kind;
  }
  async userKey(realm: string, name: string) { return this.users.get(`${realm}\0${name}`); }
  async setUserKey(realm: string, name: string, key: string) { this.users.set(`${realm}\0${name}`, key); }
  async deleteUser(realm: string, name: string) { return this.users.delete(`${realm}\0${name}`); }
  async listUsers(realm?: string) {
    return [...this.users].map(([k, hmackey]) => ({ realm: k.split('\0')[0], name: k.split('\0')[1], hmackey }))
      .filter((u) => realm === undefined || u.realm === realm).sort(byRealm((u) => u.name));
  }
  async secrets(realm: string) { return (await this.listSecrets(realm)).map((s) => s.value); }
  async addSecret(realm: string, value: string) {
    if (this.secretsSet.has(`${realm}\0${value}`)) throw new TurnpikeError(ErrorCode.DATABASE, 'duplicate key');
    this.secretsSet.add(`${realm}\0${value}`);
  }
  async deleteSecret(realm: string, value: string) { return this.secretsSet.delete(`${realm}\0${value}`); }
  async deleteAllSecrets(realm?: string) {
    const gone = (await this.listSecrets(realm)).map((s) => `${s.realm}\0${s.value}`);
    for (const k of gone) this.secretsSet.delete(k);
    return gone.length;
  }
  async listSecrets(realm?: string) {
    return [...this.secretsSet].map((k) => ({ realm: k.split('\0')[0], value: k.split('\0')[1] }))
      .filter((s) => realm === undefined || s.realm === realm).sort(byRealm((s) => s.value));
  }
  async peerRanges() { return { allowed: [], denied: [] }; }
  async oauthKey() { return undefined; }
  async originRealm(origin: string) { return this.origins.get(origin); }
  async addOrigin(origin: string, realm: string) { this.origins.set(origin, realm); }
  async deleteOrigin(origin: string) { return this.origins.delete(origin); }
  async listOrigins(realm?: string) {
    return [...this.origins].map(([origin, r]) => ({ origin, realm: r }))
      .filter((o) => realm === undefined || o.realm === realm).sort(byRealm((o) => o.origin));
  }
  async realmOptions() { return {}; }
  async setRealmOption(realm: string, option: RealmOptionName, value: number) {
    if (value === 0) this.options.delete(`${realm}\0${option}`);
    else this.options.set(`${realm}\0${option}`, value);
  }
  async listRealmOptions(realm?: string) {
    return [...this.options].map(([k, value]) => ({ realm: k.split('\0')[0], option: k.split('\0')[1] as RealmOptionName, value }))
      .filter((o) => realm === undefined || o.realm === realm).sort(byRealm((o) => o.option));
  }
  async adminUser(name: string) { return this.admins.get(name); }
  async setAdminUser(user: DbAdminUser) { this.admins.set(user.name, user); }
  async deleteAdminUser(name: string) { return this.admins.delete(name); }
  async listAdminUsers() { return [...this.admins.values()].sort(byRealm((a) => a.name)); }
  async createSchema() {}
  async close() { this.closed++; }
}

interface Session {
  db: MemoryDb;
  opened: { target: UserDbTarget; opts: UserDbOptions }[];
  run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }>;
}

function session(kind: UserDbKind = 'sqlite', env: TurnadminEnvironment = {}): Session {
  const db = new MemoryDb(kind);
  const opened: Session['opened'] = [];
  return {
    db,
    opened,
    async run(...argv) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await turnadmin(argv, (l) => out.push(l), (l) => err.push(l), {
        defaultUserDb: '/nonexistent/turndb',
        openDatabase: async (target, opts) => {
          opened.push({ target, opts });
          return db;
        },
        ...env,
      });
      return { code, out, err };
    },
  };
}

test('-a stores the hex MD5 key without 0x; -a again updates it; -d deletes; -l lists NAME[REALM]', async () => {
  const s = session();
  assert.deepEqual(await s.run('-a', '-b', 'x.db', '-u', 'bob', '-r', 'demo', '-p', 'pw'), { code: 0, out: [], err: [] });
  assert.equal(s.db.users.get('demo\0bob'), '03d10f662d1fdf800e36c7b56c8dadd5', "coturn's key for bob:demo:pw");
  await s.run('-a', '-b', 'x.db', '-u', 'al', '-r', 'demo', '-p', 'pw');
  await s.run('-a', '-b', 'x.db', '-u', 'zz', '-r', 'abc', '-p', 'pw');
  await s.run('-a', '-b', 'x.db', '-u', 'bob', '-r', 'demo', '-p', 'other');
  assert.notEqual(s.db.users.get('demo\0bob'), '03d10f662d1fdf800e36c7b56c8dadd5');
  assert.deepEqual((await s.run('-l', '-b', 'x.db')).out, ['zz[abc]', 'al[demo]', 'bob[demo]']);
  assert.deepEqual((await s.run('-l', '-b', 'x.db', '-r', 'demo')).out, ['al[demo]', 'bob[demo]']);
  assert.deepEqual(await s.run('-d', '-b', 'x.db', '-u', 'nobody', '-r', 'demo'), { code: 0, out: [], err: [] });
  await s.run('-d', '-b', 'x.db', '-u', 'al', '-r', 'demo');
  assert.deepEqual((await s.run('--list', '--db=x.db')).out, ['zz[abc]', 'bob[demo]']);
  assert.deepEqual(s.opened[0].target, { kind: 'sqlite', connection: 'x.db' });
  assert.equal(s.db.closed, s.opened.length, 'every database opened is closed');
});

test('-A stores a $5$ hash (realm optional); -L lists NAME or NAME[REALM] whatever -r says; -D deletes', async () => {
  const s = session();
  await s.run('-A', '-u', 'root', '-p', 'pw');
  await s.run('-A', '-u', 'alice', '-p', 'pw', '-r', 'demo');
  await s.run('-A', '-u', 'zed', '-p', 'pw', '-r', 'abc');
  assert.ok(verifyAdminPassword(s.db.admins.get('alice')!.password, 'pw'));
  assert.equal(s.db.admins.get('root')!.realm, '');
  assert.deepEqual((await s.run('-L', '-r', 'demo')).out, ['root', 'zed[abc]', 'alice[demo]']);
  await s.run('-D', '-u', 'zed', '-r', 'other');
  assert.deepEqual((await s.run('-L')).out, ['root', 'alice[demo]']);
  assert.deepEqual(s.opened[0].target, { kind: 'sqlite', connection: '/nonexistent/turndb' }, "coturn's default file");
});

test('-s/-S/-X/--delete-all-secrets; setting a secret twice keeps one; -X "" deletes them all', async () => {
  const s = session('postgresql');
  const e = ['-e', 'host=127.0.0.1 dbname=x user=postgres'];
  for (const [secret, realm] of [['sec1', 'demo'], ['sec0', 'demo'], ['sec2', 'abc'], ['sec1', 'demo'], ['x', 'other']]) {
    assert.equal((await s.run('-s', secret, '-r', realm, ...e)).code, 0);
  }
  assert.deepEqual((await s.run('-S', ...e)).out, ['sec2[abc]', 'sec0[demo]', 'sec1[demo]', 'x[other]']);
  assert.deepEqual((await s.run('-S', '-r', 'demo', ...e)).out, ['sec0[demo]', 'sec1[demo]']);
  await s.run('-X', 'sec1', '-r', 'demo', ...e);
  await s.run('--delete-all-secrets', '-r', 'abc', ...e);
  assert.deepEqual((await s.run('--show-secret', ...e)).out, ['sec0[demo]', 'x[other]']);
  await s.run('--delete-secret=', '-r', 'demo', ...e);
  assert.deepEqual((await s.run('-S', ...e)).out, ['x[other]']);
  const opens = s.opened.length;
  assert.deepEqual(await s.run('-s', '', ...e), { code: 0, out: [], err: [] }, "coturn's no-op");
  assert.equal(s.opened.length, opens);
  assert.equal(s.opened[0].target.kind, 'postgresql');
});

test('-O/-R/-I store canonical origins and list ORIGIN ==>> REALM', async () => {
  const s = session('mysql');
  const m = ['-M', 'host=127.0.0.1 dbname=x user=root'];
  await s.run('-O', '-o', 'http://Example.com:80', '-r', 'demo', ...m);
  await s.run('--add-origin', '--origin=https://WWW.foo.org', '--realm=abc', ...m);
  assert.deepEqual((await s.run('-I', ...m)).out, ['https://www.foo.org:443 ==>> abc', 'http://example.com:80 ==>> demo']);
  assert.deepEqual((await s.run('-I', '-r', 'demo', ...m)).out, ['http://example.com:80 ==>> demo']);
  await s.run('-R', '-o', 'HTTPS://www.foo.org:443', ...m);
  assert.deepEqual((await s.run('--list-origins', 'ignored', ...m)).out, ['http://example.com:80 ==>> demo']);
});

test('-g sets the options given (0 removes one); -G prints opt[realm]=value, or realm/opt = value on Redis', async () => {
  for (const kind of ['sqlite', 'redis'] as const) {
    const s = session(kind);
    const db = kind === 'redis' ? ['-N', 'ip=127.0.0.1'] : ['-b', 'x.db'];
    await s.run('-g', '-r', 'demo', '--max-bps', '1000', ...db);
    await s.run('-g', '-r', 'demo', '--total-quota=10', '--user-quota', '5', ...db);
    await s.run('-g', '-r', 'abc', '--user-quota', '7', ...db);
    await s.run('-g', '-r', 'demo', '--total-quota', '0', ...db);
    const listed = (await s.run('-G', ...db)).out;
    const demo = (await s.run('--list-realm-options', '-r', 'demo', ...db)).out;
    if (kind === 'redis') {
      assert.deepEqual(listed, ['abc/user-quota = 7', 'demo/max-bps = 1000', 'demo/user-quota = 5']);
      assert.deepEqual(demo, ['demo/max-bps = 1000', 'demo/user-quota = 5']);
    } else {
      assert.deepEqual(listed, ['user-quota[abc]=7', 'max-bps[demo]=1000', 'user-quota[demo]=5']);
      assert.deepEqual(demo, ['max-bps[demo]=1000', 'user-quota[demo]=5']);
    }
  }
});

test('what each command needs: coturn\'s message and exit 255, checked in coturn\'s order, before opening', async () => {
  const s = session();
  const cases: [string[], string][] = [
    [['-a', '-u', 'bob', '-p', 'pw'], 'the realm must be set'],
    [['-a', '-r', 'demo', '-p', 'pw'], 'the user must be set'],
    [['-a', '-u', 'bob', '-r', 'demo'], 'the password must be set'],
    [['-a', '-u', 'bob'], 'the password must be set'],
    [['-a'], 'the user must be set'],
    [['-d', '-u', 'bob'], 'the realm must be set'],
    [['-d', '-r', 'demo'], 'the user must be set'],
    [['-A', '-u', 'bob'], 'the password must be set'],
    [['-A', '-p', 'pw'], 'the user must be set'],
    [['-D'], 'the user must be set'],
    [['-s', 'sec'], 'the realm must be set'],
    [['-X', 'sec'], 'the realm must be set'],
    [['--delete-all-secrets'], 'the realm must be set'],
    [['-O', '-o', 'http://a.b'], 'the realm must be set'],
    [['-O', '-r', 'demo'], 'the origin must be set'],
    [['-O'], 'the origin must be set'],
    [['-R'], 'the origin must be set'],
    [['-g', '--max-bps', '5'], 'the realm must be set'],
    [['-g', '-r', 'demo'], 'a realm option must be set'],
  ];
  for (const [argv, what] of cases) {
    assert.deepEqual(await s.run(...argv, '-b', 'x.db'), {
      code: 255, out: [], err: [`The operation cannot be completed: ${what}.`],
    }, argv.join(' '));
  }
  assert.equal(s.opened.length, 0);
});

test('a database that fails: its message on stderr, exit 1, nothing on stdout, the default file named', async () => {
  const failing = (message: string): TurnadminEnvironment => ({
    openDatabase: async () => {
      const db = new MemoryDb();
      db.listUsers = () => Promise.reject(new TurnpikeError(ErrorCode.DATABASE, message));
      return db;
    },
  });
  const s = session('sqlite', failing('cannot open the SQLite file /nonexistent/turndb: no such directory'));
  const def = await s.run('-l');
  assert.equal(def.code, 1);
  assert.deepEqual(def.out, []);
  assert.equal(def.err[0], 'turnadmin: cannot open the SQLite file /nonexistent/turndb: no such directory');
  assert.match(def.err[1], /no database was given .* default SQLite file \/nonexistent\/turndb/);
  const pg = await session('postgresql', failing('PostgreSQL at 127.0.0.1:1 refused the connection')).run(
    '-l', '-e', 'host=127.0.0.1 port=1 dbname=x user=u password=hunter2');
  assert.deepEqual(pg, { code: 1, out: [], err: ['turnadmin: PostgreSQL at 127.0.0.1:1 refused the connection'] });
});

test('-f with -M gives the backend the key that decrypts the connection password; other backends ignore -f', async (t) => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(`${tmpdir()}/turnadmin-key-`);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(`${dir}/key`, 'A1TV2kg06X252my1');
  const s = session('mysql');
  await s.run('-l', '-M', 'host=h dbname=d user=u password=+jusXWTH5FI=', '-f', `${dir}/key`);
  assert.deepEqual(s.opened[0].opts.secretKey, new Uint8Array(Buffer.from('A1TV2kg06X252my1')));
  await s.run('-l', '-b', 'x.db', '-f', `${dir}/key`);
  assert.equal(s.opened[1].opts.secretKey, undefined);
});
