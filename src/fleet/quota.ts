/**
 * Fleet-wide `user-quota` and `total-quota`, counted in `fleet-redis` with leases, so that
 * every member sees the allocations of all and a member that dies gives its share back within
 * one allocation lifetime.
 *
 * Per realm, a sorted set of the users' live leases (`turnpike/fleet/quota/<realm>/user/<name>`)
 * and one of all (`turnpike/fleet/quota/<realm>/total`); a lease is `<member>/<allocation id>`
 * scored by its expiry in Redis's own clock (TIME: members' clocks may differ). One Lua
 * script trims expired leases (ZREMRANGEBYSCORE), checks the counts and adds the lease,
 * atomically; a refresh moves the expiry (ZADD XX); the allocation's end removes it (ZREM).
 * Only the quotas that are set (non-zero) are counted: with neither, no Redis command runs.
 *
 * The gate sits between the TURN core and the relay driver (`openRelays`), where an Allocate
 * is already waiting on I/O, so the core stays synchronous: granted, the sockets are opened;
 * refused, the core answers 486 (Allocation Quota Reached, RFC 8656 §7.2). When Redis does not
 * answer, the gate lets the allocation through (each member's own quotas still hold) and
 * counts it (`unchecked`).
 */
import type { Logger } from '../log/logger.ts';
import type { Allocation } from '../turn/allocation.ts';
import type { RealmLimits } from '../turn/realms.ts';
import type { FleetHost } from './host.ts';
import type { RedisLink } from './redis-link.ts';

const PREFIX = 'turnpike/fleet/quota/';

/** KEYS: the user's and the realm's sets; ARGV: lease, lifetime ms, user quota, total quota. 0: added; 1 or 2: that quota is full. */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ms = tonumber(ARGV[2])
local limits = { tonumber(ARGV[3]), tonumber(ARGV[4]) }
for i = 1, 2 do
  if limits[i] > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
    if redis.call('ZCARD', KEYS[i]) >= limits[i] then return i end
  end
end
for i = 1, 2 do
  if limits[i] > 0 then
    redis.call('ZADD', KEYS[i], now + ms, ARGV[1])
    if redis.call('PTTL', KEYS[i]) < ms then redis.call('PEXPIRE', KEYS[i], ms) end
  end
end
return 0`;

/** KEYS: the sets holding the lease; ARGV: lease, lifetime ms. Moves the lease's expiry. */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ms = tonumber(ARGV[2])
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', now + ms, ARGV[1])
  if redis.call('PTTL', KEYS[i]) < ms then redis.call('PEXPIRE', KEYS[i], ms) end
end
return 0`;

/** The sets that count `user`'s allocations and all of `realm`'s. */
export function quotaKeys(realm: string, user: string): { user: string; total: string } {
  return { user: `${PREFIX}${realm}/user/${user}`, total: `${PREFIX}${realm}/total` };
}

/** The fleet quota gate of one member. */
export interface QuotaGate {
  /**
   * Takes a lease for `alloc` (its lifetime `lifetimeSec`) under `limits`, then calls `open`
   * (granted, or Redis unavailable) or `refuse` (a fleet quota is full). Never throws.
   */
  acquire(alloc: Allocation, lifetimeSec: number, limits: RealmLimits, open: () => void, refuse: () => void): void;
  /** leases held now, refusals, allocations let through unchecked */
  counts(): { held: number; refused: number; unchecked: number };
  close(): void;
}

/** A lease this member holds. */
interface Lease {
  keys: string[];
  id: string;
}

/** Starts the gate of member `member`: leases renewed and released from `host`'s events. */
export function startQuotaGate(link: RedisLink, host: FleetHost, member: string, log: Logger): QuotaGate {
  const leases = new Map<number, Lease>();
  let refused = 0;
  let unchecked = 0;
  const redis = link.redis;
  const warn = (what: string, e: unknown): void => log.warn('fleet.quota_unchecked', { what, error: e instanceof Error ? e.message : String(e) });
  const release = (lease: Lease): void => {
    redis.pipeline(lease.keys.map((k) => ['zrem', k, lease.id])).exec().catch((e: unknown) => warn('release', e));
  };
  const unsubscribe = host.onEvent((name, f) => {
    const id = typeof f.id === 'number' ? f.id : -1;
    const lease = leases.get(id);
    if (lease === undefined) return;
    if (name === 'allocation-deleted') {
      leases.delete(id);
      release(lease);
    } else if (name === 'allocation-refreshed' && typeof f.lifetime === 'number') {
      redis.eval(RENEW, lease.keys.length, ...lease.keys, lease.id, f.lifetime * 1000).catch((e: unknown) => warn('renew', e));
    }
  });
  return {
    acquire(alloc, lifetimeSec, limits, open, refuse) {
      if (limits.userQuota <= 0 && limits.totalQuota <= 0) return open();
      const keys = quotaKeys(alloc.realm, alloc.username);
      const lease: Lease = { id: `${member}/${alloc.id}`, keys: [] };
      if (limits.userQuota > 0) lease.keys.push(keys.user);
      if (limits.totalQuota > 0) lease.keys.push(keys.total);
      redis.eval(ACQUIRE, 2, keys.user, keys.total, lease.id, lifetimeSec * 1000, limits.userQuota, limits.totalQuota).then((answer) => {
        if (answer !== 0) {
          refused++;
          return refuse();
        }
        // The client went away while Redis answered: the lease goes back at once.
        if (alloc.pendingAllocate === undefined) return release(lease);
        leases.set(alloc.id, lease);
        open();
      }, (e: unknown) => {
        unchecked++;
        warn('acquire', e);
        if (alloc.pendingAllocate !== undefined) open();
      });
    },
    counts: () => ({ held: leases.size, refused, unchecked }),
    close() {
      unsubscribe();
    },
  };
}
