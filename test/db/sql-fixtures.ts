/**
 * Test databases for the SQL backends' shared suite: a fresh SQLite file, or a fresh database
 * on the local PostgreSQL (127.0.0.1:5432, user postgres, trust) or MariaDB (127.0.0.1:3306,
 * root, no password), created with a unique name and dropped afterwards; plus the other
 * tools the suite needs: raw SQL on the test database, turnadmin's options for it, killing
 * its server-side connections, a TCP proxy that can be stopped and restarted, a server that
 * accepts and never answers, and a fake PostgreSQL that refuses every password.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openMysqlUserDatabase } from '../../src/db/mysql.ts';
import { openPostgresUserDatabase } from '../../src/db/postgresql.ts';
import { openSqliteUserDatabase } from '../../src/db/sqlite.ts';
import type { UserDatabase, UserDbOptions } from '../../src/db/types.ts';
import { ErrorCode, TurnpikeError } from '../../src/errors.ts';
import assert from 'node:assert/strict';

export const TURNADMIN = '/usr/bin/turnadmin';
export const haveTurnadmin = existsSync(TURNADMIN);

/** Asserts that `promise` rejects with a DATABASE error matching `pattern` and naming none of `secrets`. */
export async function rejectsDatabase(promise: Promise<unknown>, pattern: RegExp, secrets: string[] = []): Promise<TurnpikeError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof TurnpikeError, `expected a TurnpikeError, got ${String(caught)}`);
  assert.equal(caught.code, ErrorCode.DATABASE, caught.message);
  assert.match(caught.message, pattern);
  for (const s of secrets) assert.ok(!caught.message.includes(s), `message leaks '${s}': ${caught.message}`);
  return caught;
}

/** What turnadmin prints on stdout, without its log lines ("0: : ..."). */
export function turnadmin(args: string[]): string[] {
  const out = execFileSync(TURNADMIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l && !/^\d+: /.test(l));
}

async function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setTimeout(1000, () => { s.destroy(); resolve(false); });
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

/** One backend, and a test database on it. */
export interface BackendFixture {
  kind: 'sqlite' | 'postgresql' | 'mysql';
  /** why the suite cannot run here, or false */
  skip: string | false;
  /** the connection (file path or connection string) of the test database, once created */
  connection: string;
  create(): Promise<void>;
  drop(): Promise<void>;
  open(opts?: UserDbOptions, connection?: string): UserDatabase;
  /** the same test database through another port (for a proxy); not for SQLite */
  via(port: number): string;
  /** turnadmin's database option for the test database */
  coturnArgs(): string[];
  /** runs SQL (no parameters) on the test database as its administrator */
  raw(sql: string): Promise<unknown[]>;
  /** a second administrative session, to hold locks: statements run in order on one connection */
  session(): Promise<{ sql(sql: string): Promise<void>; close(): Promise<void> }>;
  /** ends every server-side connection to the test database (not SQLite) */
  killConnections(): Promise<void>;
  tables(): Promise<string[]>;
}

const uniqueName = () => `turnpike_test_${process.pid}_${randomBytes(4).toString('hex')}`;

export function sqliteFixture(): BackendFixture {
  const dir = mkdtempSync(path.join(tmpdir(), 'turnpike-sqlite-'));
  const file = path.join(dir, 'var', 'lib', 'turn', 'turndb');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const fx: BackendFixture = {
    kind: 'sqlite', skip: false, connection: file,
    create: async () => undefined,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
    open: (opts = {}, connection = file) => openSqliteUserDatabase(connection, opts),
    via: () => { throw new Error('no proxy for SQLite'); },
    coturnArgs: () => ['-b', file],
    raw: async (sql) => {
      const db = new DatabaseSync(file, { timeout: 2000 });
      try {
        return /^\s*select/i.test(sql) ? db.prepare(sql).all() : (db.exec(sql), []);
      } finally {
        db.close();
      }
    },
    session: async () => {
      const db = new DatabaseSync(file, { timeout: 2000 });
      return { sql: async (sql) => db.exec(sql), close: async () => db.close() };
    },
    killConnections: async () => undefined,
    tables: async () => (await fx.raw("select name from sqlite_master where type='table' order by name") as { name: string }[]).map((r) => r.name),
  };
  return fx;
}

export async function postgresFixture(): Promise<BackendFixture> {
  const name = uniqueName();
  const admin = (database: string) => new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database });
  const adminRun = async (database: string, sql: string) => {
    const c = admin(database);
    await c.connect();
    try { return (await c.query(sql)).rows; } finally { await c.end(); }
  };
  const fx: BackendFixture = {
    kind: 'postgresql',
    skip: (await reachable(5432)) ? false : 'no PostgreSQL at 127.0.0.1:5432',
    connection: `host=127.0.0.1 port=5432 dbname=${name} user=postgres connect_timeout=10`,
    create: async () => { await adminRun('postgres', `CREATE DATABASE ${name}`); },
    drop: async () => { await adminRun('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); },
    open: (opts = {}, connection = fx.connection) => openPostgresUserDatabase(connection, opts),
    via: (port) => `postgresql://postgres@127.0.0.1:${port}/${name}`,
    coturnArgs: () => ['-e', fx.connection],
    raw: (sql) => adminRun(name, sql),
    session: async () => {
      const c = admin(name);
      await c.connect();
      return { sql: async (sql) => { await c.query(sql); }, close: () => c.end() };
    },
    killConnections: async () => {
      await adminRun('postgres', `select pg_terminate_backend(pid) from pg_stat_activity where datname='${name}' and pid<>pg_backend_pid()`);
    },
    tables: async () => (await adminRun(name, "select table_name from information_schema.tables where table_schema='public' order by table_name"))
      .map((r: { table_name: string }) => r.table_name),
  };
  return fx;
}

export async function mysqlFixture(): Promise<BackendFixture> {
  const name = uniqueName();
  const admin = (database?: string) => mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', ...(database ? { database } : {}) });
  const adminRun = async (database: string | undefined, sql: string) => {
    const c = await admin(database);
    try { return (await c.query(sql))[0] as unknown[]; } finally { await c.end(); }
  };
  const fx: BackendFixture = {
    kind: 'mysql',
    skip: (await reachable(3306)) ? false : 'no MariaDB/MySQL at 127.0.0.1:3306',
    connection: `host=127.0.0.1 port=3306 dbname=${name} user=root connect_timeout=10`,
    create: async () => { await adminRun(undefined, `CREATE DATABASE ${name}`); },
    drop: async () => { await adminRun(undefined, `DROP DATABASE IF EXISTS ${name}`); },
    open: (opts = {}, connection = fx.connection) => openMysqlUserDatabase(connection, opts),
    via: (port) => `host=127.0.0.1 port=${port} dbname=${name} user=root`,
    coturnArgs: () => ['-M', fx.connection],
    raw: (sql) => adminRun(name, sql),
    session: async () => {
      const c = await admin(name);
      return { sql: async (sql) => { await c.query(sql); }, close: () => c.end() };
    },
    killConnections: async () => {
      const rows = await adminRun(undefined, `select id from information_schema.processlist where db='${name}' and id<>connection_id()`) as { id: number }[];
      for (const { id } of rows) await adminRun(undefined, `KILL ${id}`).catch(() => undefined);
    },
    tables: async () => (await adminRun(undefined, `select table_name as t from information_schema.tables where table_schema='${name}' order by table_name`) as { t: string }[])
      .map((r) => r.t),
  };
  return fx;
}

/** A TCP proxy to 127.0.0.1:`target` that can be stopped (dropping every connection) and restarted on the same port. */
export async function tcpProxy(target: number): Promise<{ port: number; stop(): Promise<void>; start(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const start = () => new Promise<void>((resolve, reject) => {
    server = net.createServer((client) => {
      const upstream = net.connect({ host: '127.0.0.1', port: target });
      for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => undefined); }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { port = (server!.address() as net.AddressInfo).port; resolve(); });
  });
  const stop = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server?.close(() => resolve());
  });
  await start();
  return { get port() { return port; }, start, stop };
}

/** A server that accepts connections and never says anything (connecting times out). */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => { sockets.add(s); s.on('error', () => undefined); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

/**
 * A fake PostgreSQL that asks for a cleartext password and refuses it with SQLSTATE 28P01 —
 * echoing the password in its error message, to check that Turnpike's message never has it.
 */
export async function refusingPostgres(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let stage = 0;
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (stage === 0 && buf.length >= 4 && buf.length >= buf.readInt32BE(0)) {
        buf = buf.subarray(buf.readInt32BE(0));
        stage = 1;
        s.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // AuthenticationCleartextPassword
      }
      if (stage === 1 && buf.length >= 5 && buf.length >= 1 + buf.readInt32BE(1)) {
        const password = buf.subarray(5, buf.readInt32BE(1)).toString('utf8').replace(/\0$/, '');
        const fields = ['SFATAL', 'VFATAL', 'C28P01', `Mpassword authentication failed for user "turn" (got ${password})`];
        const body = Buffer.concat([...fields.map((f) => Buffer.from(`${f}\0`)), Buffer.from([0])]);
        const head = Buffer.alloc(5);
        head.write('E');
        head.writeInt32BE(body.length + 4, 1);
        s.end(Buffer.concat([head, body]));
        stage = 2;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}
