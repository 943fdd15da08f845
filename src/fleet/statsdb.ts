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

/** Starts publishing `host`'s allocations to `link` under session ids with `prefix`. */
export function startStatsDb(host: FleetHost, link: RedisLink, prefix: number, log: Logger): StatsDb {
  const tracked = new Map<number, Tracked>();
  let sent = 0;
  let lost = 0;
  /** Runs one event's commands as a pipeline; a failure is counted, never thrown. */
  const send = (commands: (string | number)[][]): void => {
    if (!link.up()) {
      lost++;
      return;
    }
    const p = link.redis.pipeline();
    for (const [name, ...args] of commands) p.call(String(name), ...args);
    p.exec().then(() => { sent++; }, (e: unknown) => {
      lost++;
      log.debug('statsdb.failed', { error: e instanceof Error ? e.message : String(e) });
    });
  };
  const status = (t: Tracked, kind: 'new' | 'refreshed', lifetime: number): void => {
    const key = allocationKey(t.realm, t.user, t.id, 'status');
    const value = statusValue({ status: kind, lifetime, type: t.type, local: t.local, remote: t.remote, ssl: t.type.startsWith('TLS') || t.type === 'DTLS' ? 'UNKNOWN' : 'NONE', cipher: t.type.startsWith('TLS') || t.type === 'DTLS' ? 'UNKNOWN' : 'NONE' });
    send([['SET', key, value, 'EX', Math.max(1, lifetime)], ['PUBLISH', key, value]]);
  };
  const trafficCommands = (t: Tracked, delta: TrafficCounters): (string | number)[][] => [
    ['PUBLISH', allocationKey(t.realm, t.user, t.id, 'traffic'), trafficValue(clientSide(delta))],
    ['PUBLISH', allocationKey(t.realm, t.user, t.id, 'traffic/peer'), trafficValue(peerSide(delta))],
  ];
  const onEvent = (name: string, f: Record<string, unknown>): void => {
    const localId = num(f.id);
    if (name === 'allocation-created') {
      const t: Tracked = {
        realm: str(f.realm), user: str(f.user), id: sessionId(prefix, localId), type: socketTypeName(str(f.protocol)),
        local: str(f.local), remote: str(f.client), reported: { ...ZERO },
      };
      tracked.set(localId, t);
      status(t, 'new', num(f.lifetime));
    } else if (name === 'allocation-refreshed') {
      const t = tracked.get(localId);
      if (t) status(t, 'refreshed', num(f.lifetime));
    } else if (name === 'allocation-deleted') {
      const t = tracked.get(localId);
      if (!t) return;
      tracked.delete(localId);
      const total: TrafficCounters = { rxPackets: num(f.rxPackets), rxBytes: num(f.rxBytes), txPackets: num(f.txPackets), txBytes: num(f.txBytes), dropped: num(f.dropped) };
      const key = allocationKey(t.realm, t.user, t.id, 'status');
      send([
        ...trafficCommands(t, minus(total, t.reported)),
        ['DEL', key], ['PUBLISH', key, 'deleted'],
        ['PUBLISH', allocationKey(t.realm, t.user, t.id, 'total_traffic'), trafficValue(clientSide(total))],
        ['PUBLISH', allocationKey(t.realm, t.user, t.id, 'total_traffic/peer'), trafficValue(peerSide(total))],
      ]);
    }
  };
  const unsubscribe = host.onEvent(onEvent);
  const reportTraffic = (): void => {
    for (const alloc of host.allocations()) {
      const t = tracked.get(alloc.id);
      if (!t) continue;
      const now: TrafficCounters = host.traffic(alloc as Allocation);
      const delta = minus(now, t.reported);
      if (2 * (delta.rxPackets + delta.txPackets) < TRAFFIC_REPORT_PACKETS) continue;
      t.reported = now;
      send(trafficCommands(t, delta));
    }
  };
  const timer = setInterval(reportTraffic, 1000);
  timer.unref();
  return {
    sessionIdOf: (localId) => sessionId(prefix, localId),
    counts: () => ({ sent, lost }),
    reportTraffic,
    close() {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
