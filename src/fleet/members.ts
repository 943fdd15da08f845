/**
 * The fleet's member registry on `fleet-redis`. Each member writes a heartbeat key every
 * `fleet-heartbeat` seconds, `turnpike/fleet/member/<name>`, a JSON `MemberRecord` with its
 * load and health, that expires after three heartbeats: a member that stops or dies drops
 * out of `listMembers()` within that time; one that stops cleanly deletes its key at once.
 *
 * The members index, the sorted set `turnpike/fleet/members`, names every member scored by
 * its key's expiry time (ms since the epoch), written in the same MULTI as the key. Listing
 * reads the unexpired names (ZRANGEBYSCORE) and their keys (MGET): its cost follows the
 * fleet's size, not the database's (`redis-statsdb` sessions, users). The key is what says
 * a member is alive; a name whose key expired is skipped, and heartbeats trim old names
 * (ZREMRANGEBYSCORE) now and then.
 *
 * Each member also takes a session-id prefix (100-999) from the counter
 * `turnpike/fleet/session-prefix`, so coturn-style session ids (src/fleet/statsdb-format.ts)
 * are unique across the fleet and name the member that owns a session.
 *
 * Load balancing: `leastLoaded()` is the healthy member with the most free relay ports
 * relative to its range (then the fewest allocations), for the fleet view; a loaded member's
 * 300 Try Alternate (`fleet-redirect-at`) reads the records through redirect-targets.ts,
 * which hands the core each member's `advertise` and `advertiseTls` addresses and allocations.
 */
import { hostname } from 'node:os';
import { randomInt } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import type { FleetHost, MemberLoad } from './host.ts';
import type { RedisLink } from './redis-link.ts';

export const MEMBER_PREFIX = 'turnpike/fleet/member/';
/** The members index: member names scored by their key's expiry time. */
export const MEMBERS_INDEX = 'turnpike/fleet/members';
/** Clocks of members may differ this much: names are listed and kept until this long after their score. */
const CLOCK_SKEW_MS = 30_000;
/** A heartbeat trims the index every this many beats (the first one included). */
const TRIM_EVERY = 10;
const PREFIX_COUNTER = 'turnpike/fleet/session-prefix';
/** A heartbeat key lives this many heartbeats. */
export const MISSED_HEARTBEATS = 3;

/** What a member says about itself. */
export interface MemberRecord {
  name: string;
  /** `fleet-advertise`: where clients reach it, or '' */
  advertise: string;
  /** where its TLS and DTLS clients reach it (the advertised IP, `tls-listening-port`), or '' */
  advertiseTls?: string;
  /** its session-id prefix */
  prefix: number;
  /** the software and version */
  software: string;
  startedAt: number;
  heartbeatAt: number;
  /** seconds between heartbeats */
  heartbeat: number;
  load: MemberLoad;
  health: { ok: boolean; database: 'up' | 'down' | 'none' };
}

/** The default member name: host name and process id. */
export function defaultMemberName(): string {
  return `${hostname()}-${process.pid}`;
}

/**
 * Takes a session-id prefix from the fleet counter, skipping those live members hold (the
 * counter wraps after 900); a random one when Redis does not answer.
 */
export async function takeSessionPrefix(link: RedisLink | undefined): Promise<number> {
  if (link?.up()) {
    try {
      const held = new Set((await listMembers(link)).map((m) => m.prefix));
      for (let tries = 0; tries < 900; tries++) {
        const prefix = 100 + ((await link.redis.incr(PREFIX_COUNTER)) - 1) % 900;
        if (!held.has(prefix)) return prefix;
      }
    } catch { /* below */ }
  }
  return randomInt(100, 1000);
}

/** Every live member, sorted by name (ZRANGEBYSCORE on the index, then one MGET). */
export async function listMembers(link: RedisLink, now = Date.now()): Promise<MemberRecord[]> {
  const names = await link.redis.zrangebyscore(MEMBERS_INDEX, now - CLOCK_SKEW_MS, '+inf');
  if (names.length === 0) return [];
  const values = await link.redis.mget(names.map((n) => MEMBER_PREFIX + n));
  const out: MemberRecord[] = [];
  for (const v of values) {
    if (v === null) continue; // expired or deleted: the index entry goes at the next trim
    try {
      out.push(JSON.parse(v) as MemberRecord);
    } catch { /* not a member record */ }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The healthy member with the most free relay ports relative to its range, then the fewest allocations. */
export function leastLoaded(members: readonly MemberRecord[]): MemberRecord | undefined {
  const free = (m: MemberRecord): number => (m.load.relayPortsTotal > 0 ? 1 - m.load.relayPortsInUse / m.load.relayPortsTotal : 1);
  return members.filter((m) => m.health.ok)
    .sort((a, b) => free(b) - free(a) || a.load.allocations - b.load.allocations || (a.name < b.name ? -1 : 1))[0];
}

/** A member is healthy unless its user database is down (new authentications would fail there). */
function health(database: 'up' | 'down' | 'none'): MemberRecord['health'] {
  return { ok: database !== 'down', database };
}

/** This process's membership. */
export interface Membership {
  readonly name: string;
  readonly prefix: number;
  /** the record last written */
  record(): MemberRecord;
  /** Writes a heartbeat now (the timer does it every `heartbeat` seconds). */
  beat(): Promise<void>;
  /** Stops the heartbeats, deletes the key and takes the name out of the index. */
  close(): Promise<void>;
}

/** What a membership is made of. */
export interface MembershipOptions {
  name: string;
  advertise: string;
  advertiseTls: string;
  prefix: number;
  software: string;
  heartbeatSeconds: number;
  now: () => number;
}

/** Joins the fleet: the first heartbeat now, then one every `heartbeatSeconds`. */
export async function joinFleet(link: RedisLink, host: FleetHost, opts: MembershipOptions, log: Logger): Promise<Membership> {
  const key = `${MEMBER_PREFIX}${opts.name}`;
  const startedAt = opts.now();
  let cpuAt = process.hrtime.bigint();
  let cpuUsed = process.cpuUsage();
  const cpu = (): number => {
    const at = process.hrtime.bigint();
    const used = process.cpuUsage();
    const wall = Number(at - cpuAt) / 1000;
    const share = wall > 0 ? (used.user + used.system - cpuUsed.user - cpuUsed.system) / wall : 0;
    cpuAt = at;
    cpuUsed = used;
    return Math.round(share * 1000) / 1000;
  };
  const record = (): MemberRecord => ({
    name: opts.name, advertise: opts.advertise, advertiseTls: opts.advertiseTls, prefix: opts.prefix, software: opts.software,
    startedAt, heartbeatAt: opts.now(), heartbeat: opts.heartbeatSeconds,
    load: { ...host.load(), cpu: cpu() },
    health: health(host.database()),
  });
  let last = record();
  let closed = false;
  let beats = 0;
  const ttl = opts.heartbeatSeconds * 1000 * MISSED_HEARTBEATS;
  const beat = async (): Promise<void> => {
    last = record();
    if (!link.up()) return;
    try {
      const at = Date.now();
      const multi = link.redis.multi()
        .set(key, JSON.stringify(last), 'PX', ttl)
        .zadd(MEMBERS_INDEX, at + ttl, opts.name);
      if (beats++ % TRIM_EVERY === 0) multi.zremrangebyscore(MEMBERS_INDEX, '-inf', `(${at - CLOCK_SKEW_MS}`);
      const replies = await multi.exec();
      const failed = replies?.find(([e]) => e !== null)?.[0];
      if (failed) throw failed;
    } catch (e) {
      log.debug('fleet.heartbeat_failed', { error: e instanceof Error ? e.message : String(e) });
    }
  };
  await beat();
  const timer = setInterval(() => { if (!closed) void beat(); }, opts.heartbeatSeconds * 1000);
  timer.unref();
  log.info('fleet.joined', { member: opts.name, prefix: opts.prefix, advertise: opts.advertise || undefined, redis: link.description });
  return {
    name: opts.name,
    prefix: opts.prefix,
    record: () => last,
    beat,
    async close() {
      closed = true;
      clearInterval(timer);
      if (link.up()) await link.redis.multi().del(key).zrem(MEMBERS_INDEX, opts.name).exec().catch(() => null);
    },
  };
}
