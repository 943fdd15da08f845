/**
 * Room leases in Redis: which node owns which room. A room's key holds its owner's node id and
 * expires `ttl` after the owner's last renewal, so a dead node's rooms free themselves. Claims
 * use `SET NX PX` (only one node can create the key); renewal and release are Lua scripts that
 * compare the owner first, so a node can never extend or delete a lease that another node now
 * holds. Together these make "at most one owner per room" hold in Redis at every instant.
 */
import type { Redis } from 'ioredis';

/** PEXPIRE the key only if it still names this node (compare-and-renew). */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/** DEL the key only if it still names this node (compare-and-delete). */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** The Redis commands the leases need (an ioredis client with the two scripts defined). */
type LeaseRedis = Redis & {
  turnpikeRenewLease(key: string, node: string, ttlMs: number): Promise<number>;
  turnpikeReleaseLease(key: string, node: string): Promise<number>;
};

/** Where a room's lease key and a node's record live, under one prefix. */
export interface ClusterKeys {
  room(room: string): string;
  node(node: string): string;
  /** the pub/sub channel a node listens on */
  channel(node: string): string;
}

/** The key layout under `prefix` ("turnpike:sfu:" by default). */
export function clusterKeys(prefix: string): ClusterKeys {
  return {
    // Room ids are the client's `sid`: any string; the key keeps it verbatim after the prefix.
    room: (room) => `${prefix}room:${room}`,
    node: (node) => `${prefix}node:${node}`,
    channel: (node) => `${prefix}signal:${node}`,
  };
}

/** One node's view of the room leases. */
export class RoomLeases {
  readonly #redis: LeaseRedis;
  readonly #keys: ClusterKeys;
  readonly node: string;
  readonly ttlMs: number;

  constructor(redis: Redis, keys: ClusterKeys, node: string, ttlMs: number) {
    redis.defineCommand('turnpikeRenewLease', { numberOfKeys: 1, lua: RENEW });
    redis.defineCommand('turnpikeReleaseLease', { numberOfKeys: 1, lua: RELEASE });
    this.#redis = redis as LeaseRedis;
    this.#keys = keys;
    this.node = node;
    this.ttlMs = Math.round(ttlMs);
  }

  /**
   * Claims `room` if nobody holds it, renews it if this node does; resolves with the owner's
   * node id (this node's on success), or undefined when the lease changed hands too often to tell.
   */
  async acquire(room: string): Promise<string | undefined> {
    const key = this.#keys.room(room);
    for (let i = 0; i < 3; i++) {
      if ((await this.#redis.set(key, this.node, 'PX', this.ttlMs, 'NX')) === 'OK') return this.node;
      const owner = await this.#redis.get(key);
      if (owner === this.node) return (await this.renew(room)) ? this.node : undefined;
      // Null: the lease expired between the two commands; claim again.
      if (owner !== null) return owner;
    }
    return undefined;
  }

  /** Extends this node's lease on `room`; false if this node no longer owns it. */
  async renew(room: string): Promise<boolean> {
    return (await this.#redis.turnpikeRenewLease(this.#keys.room(room), this.node, this.ttlMs)) === 1;
  }

  /** Gives `room` up if this node still owns it; false if it did not. */
  async release(room: string): Promise<boolean> {
    return (await this.#redis.turnpikeReleaseLease(this.#keys.room(room), this.node)) === 1;
  }

  /** The node that owns `room` now, if any. */
  async owner(room: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#keys.room(room))) ?? undefined;
  }

  /** Records this node's advertised address, with the same lifetime as its leases. */
  async announce(address: string): Promise<void> {
    await this.#redis.set(this.#keys.node(this.node), address, 'PX', this.ttlMs);
  }

  /** Deletes this node's record (graceful shutdown). */
  async retire(): Promise<void> {
    await this.#redis.del(this.#keys.node(this.node));
  }
}
