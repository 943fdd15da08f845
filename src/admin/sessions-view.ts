/**
 * Live allocations (RFC 8656 §2.2) as the admin page shows them: who, from where, relayed
 * where, for how long, with which permissions and channels, and the traffic both ways with
 * its rate now. With the native data plane the relayed traffic is counted by the plane's
 * threads and only added to the allocation when it is deleted; the plane's live counters
 * (`traffic(id)`) are added here so the numbers move while the session runs.
 */
import type { Allocation, TrafficCounters } from '../turn/allocation.ts';

/** Traffic both ways: `toPeer` is client → peer (the core's tx), `fromPeer` peer → client (rx). */
export interface SessionTraffic {
  toPeerPackets: number;
  toPeerBytes: number;
  fromPeerPackets: number;
  fromPeerBytes: number;
  dropped: number;
}

/** Bytes and packets per second over the last sampling interval. */
export interface SessionRate {
  toPeerBps: number;
  fromPeerBps: number;
  toPeerPps: number;
  fromPeerPps: number;
}

/** One live session (allocation) in the API. */
export interface SessionView {
  id: number;
  user: string;
  realm: string;
  /** "ip:port" of the client (IPv6 in brackets) */
  client: string;
  /** udp, tcp, tls, dtls, … */
  transport: string;
  /** the server address the client talks to */
  server: string;
  state: string;
  /** relayed transport addresses as advertised (XOR-RELAYED-ADDRESS) */
  relays: string[];
  createdAt: number;
  ageSeconds: number;
  lifetimeLeftSeconds: number;
  permissions: { peer: string; expiresInSeconds: number }[];
  channels: { number: number; peer: string; active: boolean; expiresInSeconds: number }[];
  traffic: SessionTraffic;
  rate: SessionRate;
}

/** Where live per-allocation counters of a data plane come from (the native plane has them). */
export type LiveTraffic = (allocationId: number) => TrafficCounters | undefined;

const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
const secondsLeft = (at: number, now: number): number => Math.max(0, Math.round((at - now) / 1000));

interface Sample {
  time: number;
  traffic: SessionTraffic;
  rate: SessionRate;
}

const ZERO_RATE: SessionRate = { toPeerBps: 0, fromPeerBps: 0, toPeerPps: 0, fromPeerPps: 0 };

/**
 * Turns allocations into `SessionView`s. The rate is the difference between successive
 * samples of the counters at least `minIntervalMs` apart, whoever asks, so several open pages
 * do not shorten the interval.
 */
export class SessionSampler {
  readonly #samples = new Map<number, Sample>();
  readonly #live: LiveTraffic | undefined;
  readonly #minIntervalMs: number;

  constructor(live: LiveTraffic | undefined, minIntervalMs = 900) {
    this.#live = live;
    this.#minIntervalMs = minIntervalMs;
  }

  /** Views of `allocations` at `now`; samples of allocations no longer listed are forgotten. */
  view(allocations: readonly Allocation[], now: number): SessionView[] {
    const seen = new Set<number>();
    const views = allocations.map((a) => {
      seen.add(a.id);
      return this.#one(a, now);
    });
    for (const id of this.#samples.keys()) if (!seen.has(id)) this.#samples.delete(id);
    return views;
  }

  #traffic(a: Allocation): SessionTraffic {
    const t = a.traffic;
    const p = a.state === 'active' ? this.#live?.(a.id) : undefined;
    return {
      toPeerPackets: t.txPackets + (p?.txPackets ?? 0),
      toPeerBytes: t.txBytes + (p?.txBytes ?? 0),
      fromPeerPackets: t.rxPackets + (p?.rxPackets ?? 0),
      fromPeerBytes: t.rxBytes + (p?.rxBytes ?? 0),
      dropped: t.dropped + (p?.dropped ?? 0),
    };
  }

  #rate(id: number, traffic: SessionTraffic, now: number): SessionRate {
    const last = this.#samples.get(id);
    if (last === undefined) {
      this.#samples.set(id, { time: now, traffic, rate: ZERO_RATE });
      return ZERO_RATE;
    }
    const dt = (now - last.time) / 1000;
    if (now - last.time < this.#minIntervalMs) return last.rate;
    const per = (a: number, b: number): number => Math.max(0, Math.round((a - b) / dt));
    const rate: SessionRate = {
      toPeerBps: per(traffic.toPeerBytes, last.traffic.toPeerBytes),
      fromPeerBps: per(traffic.fromPeerBytes, last.traffic.fromPeerBytes),
      toPeerPps: per(traffic.toPeerPackets, last.traffic.toPeerPackets),
      fromPeerPps: per(traffic.fromPeerPackets, last.traffic.fromPeerPackets),
    };
    this.#samples.set(id, { time: now, traffic, rate });
    return rate;
  }

  #one(a: Allocation, now: number): SessionView {
    const traffic = this.#traffic(a);
    return {
      id: a.id,
      user: a.username,
      realm: a.realm,
      client: hostPort(a.clientIp, a.clientPort),
      transport: a.transport.protocol,
      server: hostPort(a.transport.localIp, a.transport.localPort),
      state: a.state,
      relays: a.relays.map((r) => hostPort(r.advertisedIp, r.port)),
      createdAt: a.createdAt,
      ageSeconds: Math.max(0, Math.round((now - a.createdAt) / 1000)),
      lifetimeLeftSeconds: secondsLeft(a.expiresAt, now),
      permissions: [...a.permissions].filter(([, exp]) => exp > now)
        .map(([peer, exp]) => ({ peer, expiresInSeconds: secondsLeft(exp, now) })),
      channels: a.channels.map((c) => ({
        number: c.number, peer: hostPort(c.peerIp, c.peerPort), active: c.active && c.expiresAt > now,
        expiresInSeconds: secondsLeft(c.expiresAt, now),
      })),
      traffic,
      rate: this.#rate(a.id, traffic, now),
    };
  }
}
