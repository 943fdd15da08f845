/**
 * What the fleet tests share: a scratch Redis database (9) on 127.0.0.1:6379 with a tag per
 * run in every realm and member name, a subscriber that records what is published, and a
 * clean-up of every key the run made.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisUp } from '../db/redis-fixtures.ts';

export const FLEET_DB = 9;
export const CONN = `ip=127.0.0.1 dbname=${FLEET_DB} port=6379`;
export const TAG = `f${process.pid}-${randomBytes(3).toString('hex')}`;
export const skipRedis = (await redisUp()) ? false : 'no Redis at 127.0.0.1:6379';

/** A plain client on the scratch database. */
export function redisClient(): Redis {
  return new Redis({ host: '127.0.0.1', port: 6379, db: FLEET_DB, maxRetriesPerRequest: 1 });
}

/** A pattern subscriber that keeps every message, in order. */
export class Recorder {
  readonly sub = redisClient();
  readonly messages: { channel: string; message: string }[] = [];

  async start(pattern: string): Promise<this> {
    this.sub.on('pmessage', (_p: string, channel: string, message: string) => this.messages.push({ channel, message }));
    await this.sub.psubscribe(pattern);
    return this;
  }

  on(suffix: string): string[] {
    return this.messages.filter((m) => m.channel.endsWith(suffix)).map((m) => m.message);
  }

  close(): void {
    this.sub.disconnect();
  }
}

/** Deletes every key of the scratch database whose name holds `TAG`, and the run's names in the members index. */
export async function cleanUp(): Promise<void> {
  const r = redisClient();
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `*${TAG}*`, 'COUNT', 1000);
    if (keys.length > 0) await r.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  const names = (await r.zrangebyscore('turnpike/fleet/members', '-inf', '+inf')).filter((n) => n.includes(TAG));
  if (names.length > 0) await r.zrem('turnpike/fleet/members', ...names);
  r.disconnect();
}

/** Polls `probe` until it returns something other than undefined (a safety deadline, not a timing assertion). */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, deadlineMs = 10_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
