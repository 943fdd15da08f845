/**
 * What the metrics read from a running server at each scrape: per-(realm, user) relayed
 * traffic — that of finished allocations plus the live counts of those still open, read from
 * the core and the data plane — and the allocations, permissions and channels open now.
 *
 * coturn adds an allocation's traffic only when it ends; here a scrape sees it as it flows.
 * An allocation's totals move from "live" to "finished" when the core deletes it (its
 * `allocation-deleted` event carries the final counts, the data plane's included), so the
 * sums only ever grow.
 */
import type { RunningTurnServer } from '../server/turn-server.ts';
import type { Allocation, TrafficCounters } from '../turn/allocation.ts';

/** Relayed traffic of one label set, as the allocation counts it (payload bytes). */
export interface Traffic {
  /** datagrams and bytes from peers, relayed to the client */
  fromPeerPackets: number;
  fromPeerBytes: number;
  /** datagrams and bytes from the client, relayed to peers */
  toPeerPackets: number;
  toPeerBytes: number;
}

/** Label values of a traffic series: the realm, and the user with `prometheus-username-labels`. */
export interface TrafficLabels {
  realm: string;
  user?: string;
}

/** coturn's `type` label of `turn_total_allocations`: its socket_type_name() of the client socket. */
export function coturnSocketType(protocol: string): string {
  if (protocol === 'udp') return 'UDP';
  if (protocol === 'tcp') return 'TCP';
  if (protocol === 'tls') return 'TLS/TCP';
  if (protocol === 'dtls') return 'DTLS';
  return 'UNKNOWN';
}

/** What a scrape reports about open allocations. */
export interface LiveSnapshot {
  traffic: Map<string, { labels: TrafficLabels; traffic: Traffic }>;
  /** coturn socket type → active allocations */
  allocationsByType: Map<string, number>;
  opening: number;
  active: number;
  permissions: number;
  channels: number;
}

interface Known {
  key: string;
  labels: TrafficLabels;
}

/** Where an allocation's traffic so far lives when the data plane relays some of it. */
type PlaneTraffic = (allocationId: number) => TrafficCounters | undefined;

/** See the module comment. */
export class LiveState {
  readonly #server: RunningTurnServer;
  readonly #usernames: boolean;
  readonly #defaultRealm: string;
  readonly #planeTraffic: PlaneTraffic | undefined;
  /** label key → traffic of finished allocations */
  readonly #finished = new Map<string, { labels: TrafficLabels; traffic: Traffic }>();
  /** allocation id → its labels, learned by `learn` (the deletion event does not carry the realm) */
  readonly #known = new Map<number, Known>();
  readonly #unsubscribe: () => void;

  constructor(server: RunningTurnServer, opts: { usernames: boolean; defaultRealm: string }) {
    this.#server = server;
    this.#usernames = opts.usernames;
    this.#defaultRealm = opts.defaultRealm;
    // The native plane counts what it relays itself; `traffic` reads it without a copy of the table.
    this.#planeTraffic = server.plane.traffic?.bind(server.plane);
    this.#unsubscribe = server.onEvent((name, fields) => {
      if (name === 'allocation-deleted') this.#finish(fields);
    });
  }

  #labels(realm: string, user: string): Known {
    const labels: TrafficLabels = this.#usernames ? { realm, user } : { realm };
    return { key: this.#usernames ? `${realm}\u0000${user}` : realm, labels };
  }

  #finish(fields: Record<string, unknown>): void {
    const id = fields.id as number;
    const known = this.#known.get(id) ?? this.#labels(this.#defaultRealm, String(fields.user ?? ''));
    this.#known.delete(id);
    const t = fields as unknown as Partial<TrafficCounters>;
    add(this.#finished, known, t.rxPackets ?? 0, t.rxBytes ?? 0, t.txPackets ?? 0, t.txBytes ?? 0);
  }

  /** Remembers the realm of every open allocation (run each second, and at each scrape). */
  learn(): void {
    for (const a of this.#server.core.allocations()) this.#knownOf(a);
  }

  #knownOf(a: Allocation): Known {
    let k = this.#known.get(a.id);
    if (k === undefined) {
      k = this.#labels(a.realm, a.username);
      this.#known.set(a.id, k);
    }
    return k;
  }

  /** Finished traffic plus the live counts of every open allocation, and what is open now. */
  snapshot(now: number): LiveSnapshot {
    const traffic = new Map<string, { labels: TrafficLabels; traffic: Traffic }>();
    for (const [k, v] of this.#finished) traffic.set(k, { labels: v.labels, traffic: { ...v.traffic } });
    const allocationsByType = new Map<string, number>();
    let opening = 0;
    let active = 0;
    let permissions = 0;
    let channels = 0;
    for (const a of this.#server.core.allocations()) {
      const known = this.#knownOf(a);
      const own = a.traffic;
      const relayed = a.state === 'active' ? this.#planeTraffic?.(a.id) : undefined;
      add(
        traffic,
        known,
        own.rxPackets + (relayed?.rxPackets ?? 0),
        own.rxBytes + (relayed?.rxBytes ?? 0),
        own.txPackets + (relayed?.txPackets ?? 0),
        own.txBytes + (relayed?.txBytes ?? 0),
      );
      if (a.state !== 'active') {
        opening++;
        continue;
      }
      active++;
      const type = coturnSocketType(a.transport.protocol);
      allocationsByType.set(type, (allocationsByType.get(type) ?? 0) + 1);
      for (const exp of a.permissions.values()) if (exp > now) permissions++;
      for (const ch of a.channels) if (ch.active && ch.expiresAt > now) channels++;
    }
    return { traffic, allocationsByType, opening, active, permissions, channels };
  }

  close(): void {
    this.#unsubscribe();
  }
}

function add(into: Map<string, { labels: TrafficLabels; traffic: Traffic }>, known: Known, rxP: number, rxB: number, txP: number, txB: number): void {
  let e = into.get(known.key);
  if (e === undefined) {
    e = { labels: known.labels, traffic: { fromPeerPackets: 0, fromPeerBytes: 0, toPeerPackets: 0, toPeerBytes: 0 } };
    into.set(known.key, e);
  }
  e.traffic.fromPeerPackets += rxP;
  e.traffic.fromPeerBytes += rxB;
  e.traffic.toPeerPackets += txP;
  e.traffic.toPeerBytes += txB;
}
