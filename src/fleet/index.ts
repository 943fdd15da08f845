/**
 * A Turnpike fleet: several servers sharing Redis. From the configuration:
 * - `redis-statsdb`: allocation status and traffic in coturn's layout (statsdb.ts);
 * - `fleet-redis`: membership with load and health (members.ts), fleet-wide `user-quota` and
 *   `total-quota` (quota.ts), commands from any member's admin API (commands.ts), and the
 *   fleet view of members and sessions (view.ts).
 * Opened in two steps: `openFleet` before the TURN core exists (connections, the session-id
 * prefix, the quota gate the relay driver is wrapped in), `attach` once the server runs.
 */
import type { Config } from '../config/types.ts';
import type { Logger } from '../log/logger.ts';
import type { Allocation } from '../turn/allocation.ts';
import type { RealmLimits } from '../turn/realms.ts';
import { obeyCommands, sendCommand } from './commands.ts';
import type { FleetHost } from './host.ts';
import { defaultMemberName, joinFleet, takeSessionPrefix, type MemberRecord, type Membership } from './members.ts';
import { startQuotaGate, type QuotaGate } from './quota.ts';
import { startRedirectTargets } from './redirect-targets.ts';
import { openRedisLink, type RedisLink } from './redis-link.ts';
import { startStatsDb, type StatsDb } from './statsdb.ts';
import { parseSessionId } from './statsdb-format.ts';
import { fleetView, listSessions, type FleetSession } from './view.ts';

export type { FleetHost, MemberLoad } from './host.ts';
export type { MemberRecord } from './members.ts';
export type { FleetSession } from './view.ts';

/** The fleet services of one server. */
export interface Fleet {
  /** this member's name, when `fleet-redis` is set */
  readonly memberName: string | undefined;
  /** the session-id prefix of this process */
  readonly prefix: number;
  readonly statsdb: StatsDb | undefined;
  readonly quota: QuotaGate | undefined;
  /**
   * The relay driver's gate (see quota.ts): `open` when the fleet allows the allocation,
   * `refuse` when a fleet quota is full. Without `fleet-redis`, `open` at once.
   */
  gate(alloc: Allocation, lifetimeSec: number, limits: RealmLimits, open: () => void, refuse: () => void): void;
  /** Starts what needs the running server. */
  attach(host: FleetHost, software: string, now: () => number): Promise<void>;
  /** Members and the sessions in the statsdb; with `redis-statsdb` alone, no members; undefined with neither. */
  view(): Promise<{ members: MemberRecord[]; sessions: FleetSession[] | null } | undefined>;
  /**
   * Asks the member owning statsdb session `id` to end it. `unknown-member`: no live member has
   * its prefix; `not-listening`: the member did not hear the command.
   */
  kill(id: string, by: string): Promise<{ ok: true; member: string; localId: number } | { ok: false; why: 'no-fleet' | 'bad-id' | 'unknown-member' | 'not-listening' }>;
  close(): Promise<void>;
}

/** `fleet-advertise` with its port (`listening-port` when it gives none), or ''. */
function advertised(config: Config): string {
  const a = config.fleetAdvertise;
  if (a === undefined) return '';
  return /\]$|^[^:]*$/.test(a) ? `${a}:${config.listeningPort}` : a;
}

/**
 * Where this member's TLS and DTLS clients go: the advertised IP with `tls-listening-port`,
 * when it has a certificate and serves TLS or DTLS; else ''.
 */
function advertisedTls(config: Config): string {
  const ip = /^(\[[^\]]*\]|[^:]*)/.exec(config.fleetAdvertise ?? '')?.[1] ?? '';
  const secure = config.tls.cert !== undefined && config.tls.pkey !== undefined && !(config.noTls && config.noDtls);
  return ip !== '' && secure ? `${ip}:${config.tlsListeningPort}` : '';
}

/** Opens the fleet connections `config` names; undefined when it names none. */
export async function openFleet(config: Config, log: Logger): Promise<Fleet | undefined> {
  if (config.redisStatsDb === undefined && config.fleetRedis === undefined) return undefined;
  const links: RedisLink[] = [];
  let fleetLink: RedisLink | undefined;
  let statsLink: RedisLink | undefined;
  try {
    if (config.fleetRedis !== undefined) links.push(fleetLink = await openRedisLink('fleet-redis', config.fleetRedis, log));
    if (config.redisStatsDb !== undefined) {
      statsLink = config.redisStatsDb === config.fleetRedis ? fleetLink : await openRedisLink('redis-statsdb', config.redisStatsDb, log);
      if (statsLink !== fleetLink) links.push(statsLink!);
    }
  } catch (err) {
    for (const l of links) await l.close();
    throw err;
  }
  const memberName = fleetLink === undefined ? undefined : (config.fleetMemberName ?? defaultMemberName());
  const prefix = await takeSessionPrefix(fleetLink);
  let statsdb: StatsDb | undefined;
  let quota: QuotaGate | undefined;
  let membership: Membership | undefined;
  let stopCommands: (() => Promise<void>) | undefined;
  let stopRedirect: (() => void) | undefined;
  return {
    memberName,
    prefix,
    get statsdb() { return statsdb; },
    get quota() { return quota; },
    gate(alloc, lifetimeSec, limits, open, refuse) {
      if (quota === undefined) return open();
      quota.acquire(alloc, lifetimeSec, limits, open, refuse);
    },
    async attach(host, software, now) {
      if (statsLink !== undefined) statsdb = startStatsDb(host, statsLink, prefix, log);
      if (fleetLink === undefined || memberName === undefined) return;
      quota = startQuotaGate(fleetLink, host, memberName, log);
      stopCommands = await obeyCommands(fleetLink, memberName, host, log);
      membership = await joinFleet(fleetLink, host, {
        name: memberName, advertise: advertised(config), advertiseTls: advertisedTls(config), prefix, software, heartbeatSeconds: config.fleetHeartbeat, now,
      }, log);
      if (config.fleetRedirectAt > 0 && host.redirectTo !== undefined) {
        stopRedirect = await startRedirectTargets(fleetLink, memberName, config.fleetHeartbeat, (t) => host.redirectTo?.(t), log);
      }
    },
    async view() {
      if (fleetLink === undefined) return statsLink === undefined ? undefined : { members: [], sessions: await listSessions(statsLink, []) };
      return fleetView(fleetLink, statsLink);
    },
    async kill(id, by) {
      if (fleetLink === undefined) return { ok: false, why: 'no-fleet' };
      const owner = parseSessionId(id);
      if (owner === undefined) return { ok: false, why: 'bad-id' };
      const { members } = await fleetView(fleetLink, undefined);
      const member = members.find((m) => m.prefix === owner.prefix);
      if (member === undefined) return { ok: false, why: 'unknown-member' };
      const heard = await sendCommand(fleetLink, member.name, { op: 'kill', id: owner.localId, by });
      return heard > 0 ? { ok: true, member: member.name, localId: owner.localId } : { ok: false, why: 'not-listening' };
    },
    async close() {
      stopRedirect?.();
      statsdb?.close();
      quota?.close();
      await membership?.close();
      await stopCommands?.();
      for (const l of links) await l.close();
    },
  };
}
