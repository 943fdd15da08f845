/**
 * The transport addresses of the server's own backends, found at start-up: the user database
 * a `psql-userdb`, `mysql-userdb` or `redis-userdb` option names, and the Redis servers of
 * `redis-statsdb` and `fleet-redis` (host names resolved to every address they have). The TURN core refuses them as peers (src/turn/backend-endpoints.ts)
 * unless `allowed-peer-ip` names the address. A SQLite file or a Unix socket has no address.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Config } from '../config/types.ts';
import { parsePgConnInfo } from '../db/conninfo.ts';
import { parseMysqlConnInfo } from '../db/mysql-conninfo.ts';
import { parseRedisConnInfo } from '../db/redis-conninfo.ts';
import { embeddedIpv4 } from '../net/ip-embedded.ts';
import { parseIpRange } from '../net/ip-range.ts';
import { createIpRangeSet } from '../net/ip-range-set.ts';
import { parseIpWords, wordsToValue } from '../net/ip.ts';
import { createBackendEndpoints, type BackendEndpoint, type BackendEndpoints } from '../turn/backend-endpoints.ts';

/** A backend's host name (or address) and port, before resolution, and the option naming it. */
export interface BackendTarget {
  host: string;
  port: number;
  what: string;
}

/** The options that name backends; the Redis ones may be left out. */
export type BackendConfig = Pick<Config, 'userDb'> & Partial<Pick<Config, 'redisStatsDb' | 'fleetRedis'>>;

/**
 * Host names and ports the backend options name, before resolution. A connection string that
 * does not parse names nothing here: opening its database reports it.
 */
export function backendTargets(config: BackendConfig): BackendTarget[] {
  const targets = attempt(() => userDbTargets(config.userDb));
  for (const [what, conninfo] of [['redis-statsdb', config.redisStatsDb], ['fleet-redis', config.fleetRedis]] as const) {
    if (conninfo === undefined) continue;
    targets.push(...attempt(() => {
      const info = parseRedisConnInfo(conninfo);
      return [{ host: info.host, port: info.port, what }];
    }));
  }
  return targets;
}

function attempt(targets: () => BackendTarget[]): BackendTarget[] {
  try {
    return targets();
  } catch {
    return [];
  }
}

/** The user database's host names and ports (none for SQLite or a Unix socket). */
function userDbTargets(db: Config['userDb']): BackendTarget[] {
  if (db === undefined) return [];
  switch (db.kind) {
    case 'postgresql': {
      const info = parsePgConnInfo(db.connection);
      const port = info.port ?? 5432;
      const hosts = (info.hostaddr ?? info.host ?? 'localhost').split(',');
      return hosts.filter((h) => h !== '' && !h.startsWith('/')).map((host) => ({ host, port, what: 'psql-userdb' }));
    }
    case 'mysql': {
      const info = parseMysqlConnInfo(db.connection);
      return [{ host: info.host, port: info.port ?? 3306, what: 'mysql-userdb' }];
    }
    case 'redis': {
      const info = parseRedisConnInfo(db.connection);
      return [{ host: info.host, port: info.port, what: 'redis-userdb' }];
    }
    default:
      return [];
  }
}

/** Every address of a host (itself when it is an address); none when it cannot be resolved now. */
async function addressesOf(host: string): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return [];
  }
}

/** Resolves the backends of `config` and builds the set the core refuses. */
export async function resolveBackendEndpoints(config: BackendConfig & Pick<Config, 'allowedPeerIps'>): Promise<BackendEndpoints> {
  const endpoints: BackendEndpoint[] = [];
  for (const t of backendTargets(config)) {
    for (const ip of await addressesOf(t.host)) endpoints.push({ ip, port: t.port, what: t.what });
  }
  return createBackendEndpoints(endpoints, allowedBy(config.allowedPeerIps));
}

/** Whether an `allowed-peer-ip` range holds the address (any spelling of an IPv4 address). */
function allowedBy(ranges: readonly string[]): (ip: string) => boolean {
  const parsed = ranges.map((r) => parseIpRange(r)).filter((r) => r !== undefined);
  const set = createIpRangeSet(parsed);
  const words = new Uint32Array(4);
  return (ip) => {
    const family = parseIpWords(ip, words);
    if (family === undefined) return false;
    const v4 = family === 'IPv4' ? words[3] : embeddedIpv4(words);
    return v4 >= 0 ? set.containsIpv4(v4 >>> 0) : set.containsValue(wordsToValue(words));
  };
}
