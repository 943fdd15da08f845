/**
 * Several SFU nodes sharing one Redis (`[cluster]` in the SFU's config.toml): wires the room
 * leases, the pub/sub relay and the periodic lease renewal around a node's local rooms. The
 * result is a `RoomService` the signalling endpoint uses instead of the local rooms.
 */
import { hostname } from 'node:os';
import { Redis, type RedisOptions } from 'ioredis';
import type { SfuClusterConfig } from '../config-types.ts';
import type { RoomService } from '../room/types.ts';
import type { SfuLog } from '../signal/ws-endpoint.ts';
import { RedisBus } from './bus.ts';
import { ClusterRooms, type ClusterStats } from './cluster-rooms.ts';
import { clusterKeys, RoomLeases } from './lease.ts';

export type { ClusterStats } from './cluster-rooms.ts';

/** A running cluster membership. */
export interface SfuCluster {
  readonly node: string;
  /** the room service to signal against */
  readonly rooms: RoomService;
  stats(): ClusterStats;
  /** ends relayed sessions, gives the leases back and disconnects from Redis */
  close(): Promise<void>;
}

/** ioredis options from `[cluster] redis`: "host:port" or a redis:// / rediss:// URL. */
export function redisTarget(address: string): { url: string } | { host: string; port: number } {
  if (/^rediss?:\/\//.test(address)) return { url: address };
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  return { host: m?.[1] ?? (m?.[2] || '127.0.0.1'), port: Number(m?.[3] ?? 6379) };
}

function connect(address: string, log: SfuLog, role: string): Redis {
  // Calls fail fast while Redis is away (a join gets an error object) instead of queueing forever.
  const options: RedisOptions = { maxRetriesPerRequest: 2, connectTimeout: 5000, retryStrategy: (n) => Math.min(n * 200, 2000) };
  const target = redisTarget(address);
  const redis = 'url' in target ? new Redis(target.url, options) : new Redis({ ...options, ...target });
  redis.on('error', (err: Error) => log.warn('sfu.cluster.redis_error', { role, error: err.message }));
  return redis;
}

/** Joins the cluster described by `config` (whose `redis` must be set) with `local` as this node's rooms. */
export function startCluster(config: SfuClusterConfig, local: RoomService, log: SfuLog): SfuCluster {
  const node = config.nodeId ?? `${hostname()}-${process.pid}`;
  const address = config.redis ?? '127.0.0.1:6379';
  const cmd = connect(address, log, 'commands');
  const sub = connect(address, log, 'subscriber');
  const keys = clusterKeys(config.keyPrefix);
  const ttlMs = config.leaseTtl * 1000;
  const leases = new RoomLeases(cmd, keys, node, ttlMs);
  const bus = new RedisBus(cmd, sub, keys, log);
  let rooms: ClusterRooms | undefined;
  let listening: Promise<void> | undefined;
  // Joins wait for the subscription; if Redis was unreachable, the next join tries again.
  const ready = (): Promise<void> =>
    (listening ??= bus.listen(node, (msg) => rooms?.receive(msg)).catch((err: unknown) => {
      listening = undefined;
      log.error('sfu.cluster.listen_failed', { node, error: String(err) });
      throw err;
    }));
  rooms = new ClusterRooms({ node, local, leases, bus, ready, log });
  const cluster = rooms;

  const announce = (): Promise<void> => leases.announce(config.address ?? '');
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    Promise.all([announce(), cluster.sweep()])
      .catch((err: unknown) => log.warn('sfu.cluster.sweep_failed', { node, error: String(err) }))
      .finally(() => (sweeping = false));
  }, ttlMs / 3);
  timer.unref();
  void ready().then(announce).catch(() => {});
  log.info('sfu.cluster.joined', { node, redis: address.replace(/\/\/[^@/]*@/, '//***@'), leaseTtl: config.leaseTtl });

  let closed: Promise<void> | undefined;
  return {
    node,
    rooms: cluster,
    stats: () => cluster.stats(),
    close: () => {
      closed ??= (async () => {
        clearInterval(timer);
        try {
          await cluster.close();
          await leases.retire();
        } catch (err) {
          log.warn('sfu.cluster.close_failed', { node, error: String(err) });
        }
        sub.disconnect();
        await cmd.quit().catch(() => cmd.disconnect());
      })();
      return closed;
    },
  };
}
