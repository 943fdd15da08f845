/**
 * Scratch user databases on the servers this machine runs (PostgreSQL at 127.0.0.1:5432,
 * MariaDB at 127.0.0.1:3306, Redis at 127.0.0.1:6379) and in SQLite files: each test gets its
 * own database (or, in Redis, its own realm), with coturn's tables, and drops it afterwards.
 * The connection strings are coturn's, so coturn's own tools and Turnpike take the same text.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { openUserDatabase } from '../src/db/open.ts';
import type { UserDbKind } from '../src/db/types.ts';

/** Every backend, in the order tests run them. */
export const DB_KINDS: readonly UserDbKind[] = ['sqlite', 'postgresql', 'mysql', 'redis'];

/** A scratch database, with the options that name it to coturn's programs and to Turnpike. */
export interface ScratchDb {
  kind: UserDbKind;
  /** the file path or connection string */
  connection: string;
  /** a realm no other test uses (Redis keys are per realm, so this keeps tests apart there) */
  realm: string;
  /** the turnserver/turnadmin option: `--userdb=…`, `--psql-userdb=…`, `--mysql-userdb=…`, `--redis-userdb=…` */
  option: string;
  /** the same for coturn's short flags: `['-b', path]`, `['-e', conn]`, `['-M', conn]`, `['-N', conn]` */
  flag: [string, string];
  drop(): Promise<void>;
}

const OPTION: Record<UserDbKind, [long: string, short: string]> = {
  sqlite: ['userdb', '-b'],
  postgresql: ['psql-userdb', '-e'],
  mysql: ['mysql-userdb', '-M'],
  redis: ['redis-userdb', '-N'],
};

/** Why a backend's server cannot be used here, or false. */
export async function databaseMissing(kind: UserDbKind): Promise<string | false> {
  if (kind === 'sqlite') return false;
  try {
    const db = await scratchDatabase(kind);
    await db.drop();
    return false;
  } catch (err) {
    return `${kind} is not reachable: ${(err as Error).message}`;
  }
}

/** Creates a scratch database of `kind` with coturn's schema. */
export async function scratchDatabase(kind: UserDbKind): Promise<ScratchDb> {
  const tag = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const realm = `r${tag.replace('_', '-')}.test`;
  const make = (connection: string, drop: () => Promise<void>): ScratchDb => ({
    kind,
    connection,
    realm,
    option: `--${OPTION[kind][0]}=${connection}`,
    flag: [OPTION[kind][1], connection],
    drop,
  });
  let db: ScratchDb;
  switch (kind) {
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'turnpike-db-'));
      db = make(join(dir, 'turndb'), async () => rmSync(dir, { recursive: true, force: true }));
      break;
    }
    case 'postgresql': {
      const name = `turnpike_${tag}`;
      await pgAdmin(`CREATE DATABASE ${name}`);
      db = make(`host=127.0.0.1 port=5432 dbname=${name} user=postgres connect_timeout=5`, () => pgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      break;
    }
    case 'mysql': {
      const name = `turnpike_${tag}`;
      await mysqlAdmin(`CREATE DATABASE ${name}`);
      db = make(`host=127.0.0.1 port=3306 dbname=${name} user=root connect_timeout=5`, () => mysqlAdmin(`DROP DATABASE IF EXISTS ${name}`));
      break;
    }
    case 'redis':
      db = make('ip=127.0.0.1 port=6379 dbname=0 connect_timeout=5', () => dropRedisRealm(realm));
      break;
  }
  const opened = await openUserDatabase({ kind, connection: db.connection });
  try {
    await opened.createSchema();
  } finally {
    await opened.close();
  }
  return db;
}

async function pgAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function mysqlAdmin(sql: string): Promise<void> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', connectTimeout: 5000 });
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}

/** Deletes the keys of one realm, and origins that map to it (never anything else). */
async function dropRedisRealm(realm: string): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, db: 0, lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const doomed: string[] = [];
    for (const pattern of [`turn/realm/${realm}/*`, 'turn/origin/*', 'turn/admin_user/*']) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        for (const key of keys) {
          if (key.startsWith(`turn/realm/${realm}/`)) doomed.push(key);
          else if (key.startsWith('turn/origin/') && (await redis.get(key)) === realm) doomed.push(key);
          else if (key.startsWith('turn/admin_user/') && (await redis.hget(key, 'realm')) === realm) doomed.push(key);
        }
      } while (cursor !== '0');
    }
    if (doomed.length > 0) await redis.del(...doomed);
  } finally {
    redis.disconnect();
  }
}
