/**
 * A relay must never reach the server's own backends: the user database (PostgreSQL, MySQL,
 * Redis) is often on the relay host or beside it, behind no password a TURN client could not
 * guess. These are their transport addresses (address AND port), refused as peers unless
 * `allowed-peer-ip` names the address. An IPv6 spelling that carries an IPv4 address
 * (IPv4-mapped, -compatible, NAT64, 6to4, …) is the IPv4 address, as in the peer policy.
 * Pure: the server resolves host names at start-up and hands the addresses in.
 */
import { embeddedIpv4 } from '../net/ip-embedded.ts';
import { parseIpWords, wordsToValue } from '../net/ip.ts';

/** One backend service: where it listens, and what it is (for logs). */
export interface BackendEndpoint {
  ip: string;
  port: number;
  /** e.g. `redis-userdb` */
  what: string;
}

/** Answers "is this peer transport address one of our backends?". */
export interface BackendEndpoints {
  /** the backend `ip:port` is, or undefined */
  refuses(ip: string, port: number): BackendEndpoint | undefined;
  readonly size: number;
}

const words = new Uint32Array(4);

/** The address as one key for every spelling of it; undefined for text that is no address. */
function addressKey(ip: string): string | undefined {
  const family = parseIpWords(ip, words);
  if (family === undefined) return undefined;
  const v4 = family === 'IPv4' ? words[3] : embeddedIpv4(words);
  return v4 >= 0 ? `4:${v4 >>> 0}` : `6:${wordsToValue(words)}`;
}

/**
 * The backends to refuse. `allowed(ip)` says whether `allowed-peer-ip` names an address: those
 * stay reachable, as the operator asked.
 */
export function createBackendEndpoints(endpoints: readonly BackendEndpoint[], allowed: (ip: string) => boolean = () => false): BackendEndpoints {
  const byKey = new Map<string, BackendEndpoint>();
  for (const e of endpoints) {
    const key = addressKey(e.ip);
    if (key === undefined || allowed(e.ip)) continue;
    byKey.set(`${key}|${e.port}`, e);
  }
  return {
    size: byKey.size,
    refuses(ip, port) {
      if (byKey.size === 0) return undefined;
      const key = addressKey(ip);
      return key === undefined ? undefined : byKey.get(`${key}|${port}`);
    },
  };
}

/** No backends: what a core without a user database (and the test bench) uses. */
export const NO_BACKEND_ENDPOINTS: BackendEndpoints = createBackendEndpoints([]);
