/**
 * `redis-statsdb`: allocation status and traffic published to Redis in coturn's layout
 * (src/fleet/statsdb-format.ts), driven by the server's events:
 * - `allocation-created`: SET the status key (`new lifetime=…`) and PUBLISH it;
 * - `allocation-refreshed`: SET (`refreshed lifetime=…`) and PUBLISH;
 * - `allocation-deleted`: the last `…/traffic` and `…/traffic/peer`, then DEL the status key,
 *   PUBLISH `deleted`, and `…/total_traffic`, `…/total_traffic/peer`;
 * - every second, `…/traffic` and `…/traffic/peer` for each allocation that moved 4096 packets
 *   or more since its last report (coturn counts per packet; here the count is read each second).
 * Unlike coturn, the status key expires with the allocation (SET … EX lifetime), so a server
 * that dies leaves no stale keys. Commands are pipelined per event and never awaited by the
 * server; while Redis is down events are dropped and counted (`lost`).
 *
 * Counters: "rcv" is what arrived, "sent" what left — on the client side (`…/traffic`) and the
 * peer side (`…/traffic/peer`). Bytes are relayed payload bytes (coturn counts whole messages).
 */
import type { Logger } from '../log/logger.ts';
import type { Allocation, TrafficCounters } from '../turn/allocation.ts';
import type { FleetHost } from './host.ts';
import type { RedisLink } from './redis-link.ts';
import {
  allocationKey, sessionId, socketTypeName, statusValue, TRAFFIC_REPORT_PACKETS, trafficValue, type TrafficReport,
} from './statsdb-format.ts';

/** What is kept per live allocation between events. */
interface Tracked {
  realm: string;
  user: string;
  id: string;
  type: string;
  local: string;
  remote: string;
  /** the counts already reported on the traffic channels */
  reported: TrafficCounters;
}

const ZERO: TrafficCounters = { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, dropped: 0 };
const str = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Client side: from the client is what went to the peer (tx), to the client what came from it (rx). */
function clientSide(t: TrafficCounters): TrafficReport {
  return { rcvp: t.txPackets, rcvb: t.txBytes, sentp: t.rxPackets, sentb: t.rxBytes };
}

/** Peer side: received from peers (rx), sent to them (tx). */
function peerSide(t: TrafficCounters): TrafficReport {
  return { rcvp: t.rxPackets, rcvb: t.rxBytes, sentp: t.txPackets, sentb: t.txBytes };
}

function minus(a: TrafficCounters, b: TrafficCounters): TrafficCounters {
  return { rxPackets: a.rxPackets - b.rxPackets, rxBytes: a.rxBytes - b.rxBytes, txPackets: a.txPackets - b.txPackets, txBytes: a.txBytes - b.txBytes, dropped: a.dropped - b.dropped };
}

/** A running publisher. */
export interface StatsDb {
  /** coturn's session id of a local allocation */
  sessionIdOf(localId: number): string;
  /** events sent, and those lost while Redis was down */
  counts(): { sent: number; lost: number };
  /** Publishes the traffic of allocations due a report (the publisher's own timer calls it each second). */
  reportTraffic(): void;
  close(): void;
}

/** Plain TCP and UDP say NONE; the TLS version and cipher of a TLS or DTLS client are not known here. */
const sslOf = (type: string): string => (type.startsWith('TLS') || type === 'DTLS' ? 'UNKNOWN' : 'NONE');

/** The publisher: the allocations it follows, and the commands each event becomes. */
class StatsPublisher implements StatsDb {
  readonly #tracked = new Map<number, Tracked>();
  readonly #link: RedisLink;
  readonly #host: FleetHost;
  readonly #prefix: number;
  readonly #log: Logger;
  readonly #unsubscribe: () => void;
  readonly #timer: NodeJS.Timeout;
  #sent = 0;
  #lost = 0;

  constructor(host: FleetHost, link: RedisLink, prefix: number, log: Logger) {
    this.#host = host;
    this.#link = link;
    this.#prefix = prefix;
    this.#log = log;
    this.#unsubscribe = host.onEvent((name, fields) => this.#onEvent(name, fields));
    this.#timer = setInterval(() => this.reportTraffic(), 1000);
    this.#timer.unref();
  }

  sessionIdOf(localId: number): string {
    return sessionId(this.#prefix, localId);
  }

  counts(): { sent: number; lost: number } {
    return { sent: this.#sent, lost: this.#lost };
  }

  reportTraffic(): void {
    for (const alloc of this.#host.allocations()) {
      const t = this.#tracked.get(alloc.id);
      if (!t) continue;
      const now: TrafficCounters = this.#host.traffic(alloc as Allocation);
      const delta = minus(now, t.reported);
      // Each relayed datagram is counted twice by coturn: on the client side and on the peer side.
      if (2 * (delta.rxPackets + delta.txPackets) < TRAFFIC_REPORT_PACKETS) continue;
      t.reported = now;
      this.#send(trafficCommands(t, delta));
    }
  }

  close(): void {
    clearInterval(this.#timer);
    this.#unsubscribe();
  }

  /** Runs one event's commands as a pipeline; a failure is counted, never thrown. */
  #send(commands: (string | number)[][]): void {
    if (!this.#link.up()) {
      this.#lost++;
      return;
    }
    const p = this.#link.redis.pipeline();
    for (const [name, ...args] of commands) p.call(String(name), ...args);
    p.exec().then(() => { this.#sent++; }, (e: unknown) => {
      this.#lost++;
      this.#log.debug('statsdb.failed', { error: e instanceof Error ? e.message : String(e) });
    });
  }

  #status(t: Tracked, kind: 'new' | 'refreshed', lifetime: number): void {
    const key = allocationKey(t.realm, t.user, t.id, 'status');
    const value = statusValue({ status: kind, lifetime, type: t.type, local: t.local, remote: t.remote, ssl: sslOf(t.type), cipher: sslOf(t.type) });
    this.#send([['SET', key, value, 'EX', Math.max(1, lifetime)], ['PUBLISH', key, value]]);
  }

  #onEvent(name: string, f: Record<string, unknown>): void {
    const localId = num(f.id);
    const t = this.#tracked.get(localId);
    if (name === 'allocation-created') {
      const created: Tracked = {
        realm: str(f.realm), user: str(f.user), id: this.sessionIdOf(localId), type: socketTypeName(str(f.protocol)),
        local: str(f.local), remote: str(f.client), reported: { ...ZERO },
      };
      this.#tracked.set(localId, created);
      this.#status(created, 'new', num(f.lifetime));
    } else if (t === undefined) {
      return;
    } else if (name === 'allocation-refreshed') {
      this.#status(t, 'refreshed', num(f.lifetime));
    } else if (name === 'allocation-moved') {
      // RFC 8016: the client came back from another address; the next status says so.
      t.remote = str(f.to);
      t.type = socketTypeName(str(f.protocol));
    } else if (name === 'allocation-deleted') {
      this.#tracked.delete(localId);
      this.#deleted(t, { rxPackets: num(f.rxPackets), rxBytes: num(f.rxBytes), txPackets: num(f.txPackets), txBytes: num(f.txBytes), dropped: num(f.dropped) });
    }
  }

  /** The last traffic report, the status key gone, then the totals (coturn's order). */
  #deleted(t: Tracked, total: TrafficCounters): void {
    const key = allocationKey(t.realm, t.user, t.id, 'status');
    this.#send([
      ...trafficCommands(t, minus(total, t.reported)),
      ['DEL', key], ['PUBLISH', key, 'deleted'],
      ['PUBLISH', allocationKey(t.realm, t.user, t.id, 'total_traffic'), trafficValue(clientSide(total))],
      ['PUBLISH', allocationKey(t.realm, t.user, t.id, 'total_traffic/peer'), trafficValue(peerSide(total))],
    ]);
  }
}

/** The traffic since the last report, on both channels. */
function trafficCommands(t: Tracked, delta: TrafficCounters): (string | number)[][] {
  return [
    ['PUBLISH', allocationKey(t.realm, t.user, t.id, 'traffic'), trafficValue(clientSide(delta))],
    ['PUBLISH', allocationKey(t.realm, t.user, t.id, 'traffic/peer'), trafficValue(peerSide(delta))],
  ];
}

/** Starts publishing `host`'s allocations to `link` under session ids with `prefix`. */
export function startStatsDb(host: FleetHost, link: RedisLink, prefix: number, log: Logger): StatsDb {
  return new StatsPublisher(host, link, prefix, log);
}
