/**
 * What the Redis backend's test files share: the per-run tag and realms, coturn's turnadmin,
 * an opener that closes what it opened, and the hooks that delete every key this run made.
 * Database 13 holds the data, 11 the one test that deletes the secrets of every realm.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { openRedisUserDatabase } from '../../src/db/redis.ts';
import type { UserDatabase } from '../../src/db/types.ts';
import { TurnpikeError } from '../../src/errors.ts';

export const DB = 13;
export const EMPTY_DB = 11;
export const TAG = `t${process.pid}-${randomBytes(3).toString('hex')}`;
export const CONN = `ip=127.0.0.1 dbname=${DB} port=6379`;
export const realm = (n: string): string => `${n}.${TAG}.example`;
export const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
export const run = promisify(execFile);
export const TURNADMIN = '/usr/bin/turnadmin';

export async function redisUp(): Promise<boolean> {
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
export const available = await redisUp();
export const skipRedis = available ? false : 'no Redis at 127.0.0.1:6379';
export const skipCoturn = skipRedis || (existsSync(TURNADMIN) ? false : 'coturn\'s turnadmin is not installed');

/** The lines turnadmin prints, without its log lines ("0: : …"). */
export async function turnadmin(...args: string[]): Promise<string[]> {
  const { stdout } = await run(TURNADMIN, args, { timeout: 10_000 });
  return stdout.split('\n').filter((l) => l !== '' && !/^\d+: /.test(l));
}

export async function rejection(p: Promise<unknown>): Promise<TurnpikeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof TurnpikeError, `a TurnpikeError, not ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

export const opened: UserDatabase[] = [];
export function open(conninfo = CONN, timeoutMs?: number): UserDatabase {
  const db = openRedisUserDatabase(conninfo, timeoutMs === undefined ? {} : { timeoutMs });
  opened.push(db);
  return db;
}

let other: Redis;

/** A plain ioredis client on the test database, for setting keys behind the backend's back. */
export function otherClient(): Redis {
  return other;
}
export const aclUser = `${TAG}-acl`;

/** Registers the hooks that connect the plain client and delete every key this run made. */
export function redisHooks(): void {
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
}
