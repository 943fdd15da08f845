/**
 * A Redis connection for the fleet services (`redis-statsdb`, `fleet-redis`), from coturn's
 * connection string syntax (src/db/redis-conninfo.ts). It connects at once and reconnects in
 * the background (backoff capped at 5 s); while it is down commands reject at once instead of
 * queueing, and the callers carry on without Redis (events are lost, as coturn loses them).
 */
import { Redis } from 'ioredis';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { tlsOptions } from '../db/redis.ts';
import { describeRedisConnInfo, parseRedisConnInfo } from '../db/redis-conninfo.ts';
import type { Logger } from '../log/logger.ts';

/** How long a command may take before it is given up (the caller decides what that means). */
const COMMAND_TIMEOUT_MS = 2000;

/** An open connection and its description for logs (no password). */
export interface RedisLink {
  readonly redis: Redis;
  readonly description: string;
  /** whether the connection is up now */
  up(): boolean;
  /** a second connection to the same database (SUBSCRIBE takes a connection for itself) */
  duplicate(): Redis;
  close(): Promise<void>;
}

/**
 * Opens `conninfo` for `option` (named in errors and logs) and waits until it is ready or
 * `waitMs` passed; a Redis that is not there yet is logged, not fatal. Throws `TurnpikeError`
 * CONFIG_INVALID for a connection string that cannot be read or TLS files that cannot be.
 */
export async function openRedisLink(option: string, conninfo: string, log: Logger, waitMs = 3000): Promise<RedisLink> {
  let info;
  let tls;
  try {
    info = parseRedisConnInfo(conninfo);
    tls = tlsOptions(info);
  } catch (e) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `${option}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const description = describeRedisConnInfo(info);
  const options = {
    host: info.host, port: info.port, db: info.db, tls,
    ...(info.password ? { password: info.password, username: info.user } : {}),
    enableOfflineQueue: false, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false,
    connectTimeout: info.connectTimeoutSec ? info.connectTimeoutSec * 1000 : COMMAND_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times - 1, 6), 5000),
    protocol: 2 as const, disableClientInfo: true, disconnectTimeout: 200,
  };
  const open = (): Redis => {
    const r = new Redis({ ...options, lazyConnect: true });
    let down = false;
    r.on('error', (e: Error) => {
      if (!down) log.warn('fleet.redis_down', { option, redis: description, error: e.message });
      down = true;
    });
    r.on('ready', () => {
      if (down) log.info('fleet.redis_up', { option, redis: description });
      down = false;
    });
    r.connect().catch(() => {});
    return r;
  };
  const redis = open();
  const extra: Redis[] = [];
  if (redis.status !== 'ready') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, waitMs);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      }
      redis.once('ready', done);
    });
  }
  return {
    redis,
    description,
    up: () => redis.status === 'ready',
    duplicate: () => {
      const r = open();
      extra.push(r);
      return r;
    },
    close: async () => {
      for (const r of [...extra, redis]) {
        try {
          await r.quit();
        } catch {
          r.disconnect();
        }
      }
    },
  };
}
