/**
 * `turnpike turnadmin` against Debian's coturn `turnadmin` on every user-database backend:
 * what one writes, the other lists, and both list it the same, line for line (coturn's log
 * lines, which it mixes into standard output, are left out). SQLite in a temporary file;
 * PostgreSQL (127.0.0.1:5432, user postgres) and MariaDB (127.0.0.1:3306, root) in a database
 * made for this run from /usr/share/coturn/schema.sql and dropped after; Redis (127.0.0.1:6379)
 * with realm, origin and admin names under a prefix of this run, whose keys are deleted after.
 * A backend whose server is not there is skipped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { turnadmin } from '../../src/cli/turnadmin.ts';
import { openUserDatabase } from '../../src/db/open.ts';
import type { UserDbKind } from '../../src/db/types.ts';
import { verifyAdminPassword } from '../../src/auth/admin-password.ts';
import { coturnEnv } from '../../harness/servers.ts';

const execFileP = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCHEMA = '/usr/share/coturn/schema.sql';
const COTURN = '/usr/bin/turnadmin';
const coturnMissing = !existsSync(COTURN) ? `${COTURN} is not installed (apt-get install coturn)` : false;

/** Names of this run: Redis is shared, so everything this test writes there starts with it. */
const RUN = `tpta${process.pid}x${randomBytes(3).toString('hex')}`;
const TMP = mkdtempSync(path.join(tmpdir(), 'turnadmin-backends-'));

interface Result { code: number; out: string[]; err: string[] }

/** coturn's log lines ("0: : SQLite connection was closed.") are not output scripts read. */
const dataLines = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !/^\d+: /.test(l));

/** Runs Debian's turnadmin; removes the log file it opens for itself (/var/log/turn_PID_DATE.log). */
function coturn(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(COTURN, args, { timeout: 15_000, env: coturnEnv() }, (error, stdout, stderr) => {
      for (const dir of ['/var/log', '/var/tmp', '/tmp']) {
        let names: string[] = [];
        try {
          names = readdirSync(dir);
        } catch {
          continue;
        }
        for (const name of names.filter((n) => n.startsWith(`turn_${child.pid}_`) && n.endsWith('.log'))) {
          rmSync(path.join(dir, name), { force: true });
        }
      }
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, out: dataLines(stdout), err: dataLines(stderr) });
    });
  });
}

async function turnpike(args: string[]): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await turnadmin(args, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

interface Backend {
  kind: UserDbKind;
  /** the database option, as both tools take it */
  args: string[];
  connection: string;
  /** coturn lists Redis in KEYS order (arbitrary), Turnpike sorted: compare sorted there */
  unordered: boolean;
  /** why it cannot run, or false after setting it up */
  setup(): Promise<string | false>;
  teardown(): Promise<void>;
}

const dbName = `turnpike_turnadmin_${RUN}`;

function sqliteBackend(): Backend {
  const file = path.join(TMP, 'turndb');
  return {
    kind: 'sqlite', args: ['-b', file], connection: file, unordered: false,
    setup: async () => false,
    teardown: async () => {},
  };
}

function postgresBackend(): Backend {
  const connection = `host=127.0.0.1 dbname=${dbName} user=postgres`;
  const admin = () => new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
  return {
    kind: 'postgresql', args: ['-e', connection], connection, unordered: false,
    async setup() {
      const c = admin();
      try {
        await c.connect();
        await c.query(`create database ${dbName}`);
      } catch (e) {
        return `no PostgreSQL at 127.0.0.1:5432 (${(e as Error).message})`;
      } finally {
        await c.end().catch(() => {});
      }
      const d = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: dbName });
      await d.connect();
      await d.query(readFileSync(SCHEMA, 'utf8'));
      await d.end();
      return false;
    },
    async teardown() {
      const c = admin();
      await c.connect();
      await c.query(`drop database if exists ${dbName} with (force)`);
      await c.end();
    },
  };
}

function mysqlBackend(): Backend {
  const connection = `host=127.0.0.1 dbname=${dbName} user=root`;
  const admin = () => mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', connectTimeout: 2000, multipleStatements: true });
  return {
    kind: 'mysql', args: ['-M', connection], connection, unordered: false,
    async setup() {
      let c: mysql.Connection;
      try {
        c = await admin();
      } catch (e) {
        return `no MySQL/MariaDB at 127.0.0.1:3306 (${(e as Error).message})`;
      }
      try {
        await c.query(`create database ${dbName}`);
        await c.query(`use ${dbName}`);
        await c.query(readFileSync(SCHEMA, 'utf8'));
      } finally {
        await c.end();
      }
      return false;
    },
    async teardown() {
      const c = await admin();
      await c.query(`drop database if exists ${dbName}`);
      await c.end();
    },
  };
}

function redisBackend(): Backend {
  const connection = 'ip=127.0.0.1 dbname=0 port=6379';
  const client = () => new Redis({ host: '127.0.0.1', port: 6379, db: 0, lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0 });
  return {
    kind: 'redis', args: ['-N', connection], connection, unordered: true,
    async setup() {
      const r = client();
      try {
        await r.connect();
        await r.ping();
        return false;
      } catch (e) {
        return `no Redis at 127.0.0.1:6379 (${(e as Error).message})`;
      } finally {
        r.disconnect();
      }
    },
    async teardown() {
      const r = client();
      await r.connect();
      const mine: string[] = [];
      for (const pattern of [`turn/realm/${RUN}*`, `turn/origin/*${RUN}*`, `turn/admin_user/${RUN}*`]) {
        let cursor = '0';
        do {
          const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          mine.push(...keys.filter((k) => k.includes(RUN)));
          cursor = next;
        } while (cursor !== '0');
      }
      if (mine.length > 0) await r.del(...mine);
      await r.quit();
    },
  };
}

after(() => rmSync(TMP, { recursive: true, force: true }));

for (const backend of [sqliteBackend(), postgresBackend(), mysqlBackend(), redisBackend()]) {
  describe(`turnadmin on ${backend.kind}`, { skip: coturnMissing }, () => {
    let skip: string | false = false;
    before(async () => {
      skip = await backend.setup();
    });
    after(async () => {
      if (skip === false) await backend.teardown();
    });

    const db = backend.args;
    const realm = (name: string): string => `${RUN}-${name}`;
    /** Only this run's lines: Redis is shared with whatever else uses it. */
    const mine = (lines: string[]): string[] => {
      const own = lines.filter((l) => l.includes(RUN));
      return backend.unordered ? own.sort() : own;
    };

    /** Both tools list with `args`; their lines must be the same. Returns them. */
    async function sameListing(args: string[]): Promise<string[]> {
      const [theirs, ours] = [await coturn([...args, ...db]), await turnpike([...args, ...db])];
      assert.equal(ours.code, 0, ours.err.join('\n'));
      assert.equal(theirs.code, 0, theirs.err.join('\n'));
      assert.deepEqual(ours.err, []);
      assert.deepEqual(mine(ours.out), mine(theirs.out), `${args.join(' ')}: Turnpike's lines, then coturn's`);
      if (!backend.unordered) assert.deepEqual(ours.out, theirs.out);
      return mine(ours.out);
    }

    /** Runs a writing command with one tool; it must succeed silently. */
    async function write(tool: 'turnpike' | 'coturn', args: string[]): Promise<void> {
      const r = tool === 'turnpike' ? await turnpike([...args, ...db]) : await coturn([...args, ...db]);
      assert.deepEqual({ code: r.code, out: r.out, err: r.err }, { code: 0, out: [], err: [] }, `${tool} ${args.join(' ')}`);
    }

    for (const writer of ['turnpike', 'coturn'] as const) {
      const other = writer === 'turnpike' ? 'coturn' : 'turnpike';
      const demo = realm(`${writer}-demo`);
      const abc = realm(`${writer}-abc`);

      test(`users (-a/-d/-l): ${writer} writes, both list alike`, async (t) => {
        if (skip) return t.skip(skip);
        await write(writer, ['-a', '-u', 'bob', '-r', demo, '-p', 'pw']);
        await write(writer, ['-a', '-u', 'al', '-r', demo, '-p', 'pw']);
        await write(writer, ['--add', '--user=zz', `--realm=${abc}`, '--password=pw']);
        await write(other, ['-a', '-u', 'bob', '-r', demo, '-p', 'new password']);
        assert.deepEqual(await sameListing(['-l', '-r', demo]), [`al[${demo}]`, `bob[${demo}]`]);
        const all = await sameListing(['-l']);
        assert.deepEqual(all.filter((l) => l.includes(writer)).length, 3);
        // What is stored is what coturn's -k computes, without the 0x.
        const store = await openUserDatabase({ kind: backend.kind, connection: backend.connection });
        try {
          const key = (await coturn(['-k', '-u', 'bob', '-r', demo, '-p', 'new password'])).out[0];
          assert.equal(`0x${await store.userKey(demo, 'bob')}`, key);
        } finally {
          await store.close();
        }
        await write(writer, ['-d', '-u', 'al', '-r', demo]);
        await write(other, ['-d', '-u', 'nobody', '-r', demo]);
        assert.deepEqual(await sameListing(['-l', '-r', demo]), [`bob[${demo}]`]);
      });

      test(`secrets (-s/-S/-X/--delete-all-secrets): ${writer} writes, both list alike`, async (t) => {
        if (skip) return t.skip(skip);
        for (const [s, r] of [['sec1', demo], ['sec0', demo], ['sec2', abc], ['sec3', abc]]) await write(writer, ['-s', s, '-r', r]);
        await write(other, ['-s', 'sec1', '-r', demo]);
        assert.deepEqual(await sameListing(['-S', '-r', demo]), [`sec0[${demo}]`, `sec1[${demo}]`]);
        await sameListing(['-S']);
        await write(writer, ['-X', 'sec1', '-r', demo]);
        // coturn 4.6.1's --delete-all-secrets does nothing on Redis (it sends SREM without a member).
        await write(backend.kind === 'redis' ? 'turnpike' : writer, ['--delete-all-secrets', '-r', abc]);
        assert.deepEqual(await sameListing(['--show-secret', '-r', demo]), [`sec0[${demo}]`]);
        assert.deepEqual(await sameListing(['-S', '-r', abc]), []);
      });

      test(`origins (-O/-R/-I): ${writer} writes, both list alike`, async (t) => {
        if (skip) return t.skip(skip);
        const host = `${RUN}-${writer}.example`;
        await write(writer, ['-O', '-o', `HTTP://One.${host}`, '-r', demo]);
        await write(writer, ['-O', '-o', `https://user@TWO.${host}/path?q`, '-r', abc]);
        await write(writer, ['-O', '-o', `turns://three.${host}:5000`, '-r', demo]);
        assert.deepEqual(await sameListing(['-I', '-r', demo]), [
          `http://one.${host}:80 ==>> ${demo}`, `turns://three.${host}:5000 ==>> ${demo}`,
        ].sort());
        await sameListing(['-I']);
        await write(other, ['-R', '-o', `http://one.${host}`]);
        await write(writer, ['--del-origin', '-o', `HTTPS://two.${host}:443`]);
        assert.deepEqual(await sameListing(['-I', '-r', abc]), []);
        assert.deepEqual(await sameListing(['-I', '-r', demo]), [`turns://three.${host}:5000 ==>> ${demo}`]);
      });

      test(`realm options (-g/-G): ${writer} writes, both list alike`, async (t) => {
        if (skip) return t.skip(skip);
        await write(writer, ['-g', '-r', demo, '--max-bps', '1000']);
        await write(writer, ['-g', '-r', demo, '--total-quota', '10', '--user-quota', '5']);
        await write(writer, ['--set-realm-option', '-r', abc, '--user-quota=7']);
        await write(other, ['-g', '-r', abc, '--user-quota', '8']);
        const listed = await sameListing(['-G', '-r', demo]);
        assert.equal(listed.length, 3);
        assert.deepEqual(await sameListing(['-G', '-r', abc]), [backend.kind === 'redis' ? `${abc}/user-quota = 8` : `user-quota[${abc}]=8`]);
        await sameListing(['-G']);
        // 0 removes an option (coturn 4.6 on SQLite ignores a 0; Turnpike removes it there too).
        await write('turnpike', ['-g', '-r', demo, '--total-quota', '0']);
        assert.equal((await sameListing(['-G', '-r', demo])).length, 2);
      });

      test(`admin users (-A/-D/-L): ${writer} writes, both list alike`, async (t) => {
        if (skip) return t.skip(skip);
        const [root, alice] = [`${RUN}${writer}root`, `${RUN}${writer}al`];
        await write(writer, ['-A', '-u', root, '-p', 'pw']);
        await write(writer, ['-A', '-u', alice, '-p', 'pw', '-r', demo]);
        const listed = await sameListing(['-L']);
        assert.ok(listed.includes(root) && listed.includes(`${alice}[${demo}]`), listed.join('\n'));
        const store = await openUserDatabase({ kind: backend.kind, connection: backend.connection });
        try {
          assert.ok(verifyAdminPassword((await store.adminUser(alice))!.password, 'pw'), "the other tool's hash verifies");
        } finally {
          await store.close();
        }
        await write(other, ['-D', '-u', root]);
        const left = await sameListing(['--list-admin']);
        assert.ok(!left.includes(root) && left.includes(`${alice}[${demo}]`));
      });
    }

    test('refusals: the same message and exit status as coturn', async (t) => {
      if (skip) return t.skip(skip);
      for (const args of [['-a', '-u', 'x', '-p', 'y'], ['-d', '-r', 'r'], ['-s', 'x'], ['-O', '-r', 'r'], ['-g', '-r', 'r']]) {
        const [theirs, ours] = [await coturn([...args, ...db]), await turnpike([...args, ...db])];
        assert.deepEqual(ours, theirs, args.join(' '));
      }
    });

    test('`node bin/turnpike.js turnadmin -l` lists as coturn does and exits', async (t) => {
      if (skip) return t.skip(skip);
      const listed = await execFileP(process.execPath, ['bin/turnpike.js', 'turnadmin', '-l', ...db], { cwd: ROOT, timeout: 15_000 });
      assert.equal(listed.stderr, '');
      assert.deepEqual(mine(dataLines(listed.stdout)), mine((await coturn(['-l', ...db])).out));
    });
  });
}

describe('AES key files and passwords (-x, -f, -E, -v)', { skip: coturnMissing }, () => {
  test('a key either tool writes encrypts and decrypts the same in both', async () => {
    const ourKey = path.join(TMP, 'our.key');
    const theirKey = path.join(TMP, 'their.key');
    assert.deepEqual(await turnpike(['-x', ourKey]), { code: 0, out: [], err: [] });
    assert.equal((await coturn(['-x', theirKey])).code, 0);
    for (const key of [ourKey, theirKey]) {
      for (const password of ['secretpw', 'a much longer password with spaces, 40 ch']) {
        const theirs = await coturn(['-f', key, '-E', '-p', password]);
        const ours = await turnpike(['-f', key, '-E', '-p', password]);
        assert.deepEqual(ours.out, theirs.out, `${key}: ${password}`);
        assert.deepEqual((await turnpike(['-f', key, '-v', theirs.out[0]])).out, [password]);
        assert.deepEqual((await coturn(['-f', key, '-v', ours.out[0]])).out, [password]);
      }
    }
  });

  test('-k and -P: the same key as coturn, and coturn\'s hash verifies', async () => {
    for (const [u, r, p] of [['ling', 'demo', 'ling1234'], ['a:b', '', 'x y'], ['ninefingers', 'north.gov', 'youhavetoberealistic']]) {
      const args = ['-k', '-u', u, '-p', p, ...(r ? ['-r', r] : [])];
      assert.deepEqual((await turnpike(args)).out, (await coturn(args)).out);
    }
    const hash = (await coturn(['-P', '-p', 'qwerty'])).out[0];
    assert.ok(verifyAdminPassword(hash, 'qwerty'));
  });
});

describe('databases that cannot be used', () => {
  test('a server that refuses: exit 1, one clear line on stderr, never the password', async () => {
    for (const args of [
      ['-e', 'host=127.0.0.1 port=1 dbname=x user=u password=hunter2'],
      ['-M', 'host=127.0.0.1 port=1 dbname=x user=u password=hunter2'],
      ['-N', 'ip=127.0.0.1 port=1 dbname=0 password=hunter2'],
    ]) {
      const r = await turnpike(['-l', ...args]);
      assert.equal(r.code, 1, args.join(' '));
      assert.deepEqual(r.out, []);
      assert.match(r.err[0], /^turnadmin: .*127\.0\.0\.1/);
      assert.ok(!r.err.join('\n').includes('hunter2'), r.err.join('\n'));
    }
  });

  test("without a database option, coturn's default SQLite file; when it cannot be opened, the error says so", async () => {
    const blocker = path.join(TMP, 'a-file');
    writeFileSync(blocker, '');
    const out: string[] = [];
    const err: string[] = [];
    const code = await turnadmin(['-l'], (l) => out.push(l), (l) => err.push(l), { defaultUserDb: path.join(blocker, 'turndb') });
    assert.equal(code, 1);
    assert.deepEqual(out, []);
    assert.match(err.at(-1)!, /no database was given .*default SQLite file .*a-file\/turndb/);
    const fine = path.join(TMP, 'default-turndb');
    assert.equal(await turnadmin(['-a', '-u', 'u', '-r', 'r', '-p', 'p'], () => {}, () => {}, { defaultUserDb: fine }), 0);
    if (!coturnMissing) assert.deepEqual((await coturn(['-l', '-b', fine])).out, ['u[r]']);
  });
});
