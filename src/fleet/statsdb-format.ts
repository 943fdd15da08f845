/**
 * coturn's `redis-statsdb` layout, as pure text functions (coturn 4.6+:
 * `turn_report_allocation_set`, `turn_report_allocation_delete`, `turn_report_session_usage`;
 * `/usr/share/coturn/schema.stats.redis`):
 * - key `turn/realm/<realm>/user/<name>/allocation/<id>/status` (`turn/user/<name>/…` without
 *   a realm), value `new lifetime=600, type=UDP, local=…, remote=…, ssl=NONE, cipher=NONE`,
 *   then `refreshed lifetime=…`; published on the same name, and `deleted` at the end;
 * - channels `…/traffic` and `…/traffic/peer`: `rcvp=…, rcvb=…, sentp=…, sentb=…` for the
 *   packets since the last report, `…/total_traffic` and `…/total_traffic/peer` for the whole
 *   allocation when it ends.
 * `<id>` is coturn's session id: 18 decimal digits. Turnpike makes it from a three-digit
 * prefix per process (a fleet member's, unique in the fleet) and the allocation's own id.
 */
import type { TransportProtocol } from '../turn/five-tuple.ts';

/** Allocation ids below this fit behind the three-digit prefix. */
const LOCAL_ID_LIMIT = 1e15;

/** coturn's session id for allocation `localId` of the process with `prefix` (100-999): 18 digits. */
export function sessionId(prefix: number, localId: number): string {
  return `${prefix}${String(localId % LOCAL_ID_LIMIT).padStart(15, '0')}`;
}

/** The prefix and allocation id in a session id that `sessionId` made; undefined for another shape. */
export function parseSessionId(id: string): { prefix: number; localId: number } | undefined {
  if (!/^[1-9]\d{17}$/.test(id)) return undefined;
  return { prefix: Number(id.slice(0, 3)), localId: Number(id.slice(3)) };
}

/** The key under which an allocation's status is kept and published (with `suffix`, its traffic channels). */
export function allocationKey(realm: string, user: string, id: string, suffix: 'status' | 'traffic' | 'traffic/peer' | 'total_traffic' | 'total_traffic/peer'): string {
  const owner = realm === '' ? `turn/user/${user}` : `turn/realm/${realm}/user/${user}`;
  return `${owner}/allocation/${id}/${suffix}`;
}

/** The realm, user and session id in a status key; undefined for another key. */
export function parseStatusKey(key: string): { realm: string; user: string; id: string } | undefined {
  const m = /^turn\/(?:realm\/(.*)\/)?user\/(.*)\/allocation\/(\d+)\/status$/s.exec(key);
  return m ? { realm: m[1] ?? '', user: m[2], id: m[3] } : undefined;
}

/** coturn's `socket_type_name` for the client's transport. */
export function socketTypeName(protocol: TransportProtocol | string): string {
  switch (protocol) {
    case 'udp': return 'UDP';
    case 'tcp': return 'TCP';
    case 'tls': return 'TLS/TCP';
    case 'dtls': return 'DTLS';
    default: return 'UNKNOWN';
  }
}

/** What a status value says. */
export interface AllocationStatus {
  status: 'new' | 'refreshed';
  /** seconds */
  lifetime: number;
  /** `socketTypeName` */
  type: string;
  /** the server's address the client talks to, `ip:port` (`[v6]:port`) */
  local: string;
  /** the client's address */
  remote: string;
  /** TLS version, `NONE` on a plain transport */
  ssl: string;
  cipher: string;
}

/** A status value in coturn's words. */
export function statusValue(s: AllocationStatus): string {
  return `${s.status} lifetime=${s.lifetime}, type=${s.type}, local=${s.local}, remote=${s.remote}, ssl=${s.ssl}, cipher=${s.cipher}`;
}

/** Reads a status value; coturn before 4.6 wrote only `new lifetime=N`, so the rest is optional. */
export function parseStatusValue(v: string): (Partial<AllocationStatus> & Pick<AllocationStatus, 'status'>) | undefined {
  const m = /^(new|refreshed) lifetime=(\d+)(.*)$/s.exec(v);
  if (!m) return undefined;
  const out: Partial<AllocationStatus> & Pick<AllocationStatus, 'status'> = { status: m[1] as AllocationStatus['status'], lifetime: Number(m[2]) };
  for (const part of m[3].split(', ')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq);
    if (eq > 0 && (name === 'type' || name === 'local' || name === 'remote' || name === 'ssl' || name === 'cipher')) out[name] = part.slice(eq + 1);
  }
  return out;
}

/** Packets and bytes one way and the other: received from and sent to the client (or the peer). */
export interface TrafficReport {
  rcvp: number;
  rcvb: number;
  sentp: number;
  sentb: number;
}

/** A traffic message in coturn's words. */
export function trafficValue(t: TrafficReport): string {
  return `rcvp=${t.rcvp}, rcvb=${t.rcvb}, sentp=${t.sentp}, sentb=${t.sentb}`;
}

/** Reads a traffic message; undefined for another shape. */
export function parseTrafficValue(v: string): TrafficReport | undefined {
  const m = /^rcvp=(\d+), rcvb=(\d+), sentp=(\d+), sentb=(\d+)$/.exec(v);
  return m ? { rcvp: Number(m[1]), rcvb: Number(m[2]), sentp: Number(m[3]), sentb: Number(m[4]) } : undefined;
}

/**
 * coturn reports a session's traffic each time the packets counted since the last report (both
 * directions, client and peer side) reach 4096, and once more when it ends.
 */
export const TRAFFIC_REPORT_PACKETS = 4096;
