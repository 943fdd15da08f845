/**
 * The seam between the TURN core and the sockets that carry relayed traffic (RFC 8656 §11–§12).
 * A data plane owns the UDP client transports and the relay sockets, consumes the forwarding
 * table the core publishes, relays what the table decides on its own, and hands everything
 * else up to the core: STUN requests, and anything the table cannot decide. The core never
 * learns which plane runs.
 *
 * - `js`: Node's `dgram`; every datagram enters JavaScript and the core decides it.
 * - `native`: a Node-API addon whose threads relay ChannelData, Send and Data indications and
 *   peer datagrams with no JavaScript, in batches (`native/`).
 */
import type { CoreOutput } from '../turn/core-output.ts';
import type { ClientTransport } from '../turn/five-tuple.ts';
import type { TurnCore } from '../turn/turn-core.ts';
import type { Ingress } from '../server/ingress.ts';
import type { TrafficCounters } from '../turn/allocation.ts';

/** Which data plane runs. */
export type DataPlaneKind = 'js' | 'native';

/** A UDP listening address: one client transport per data-plane thread (`SO_REUSEPORT`). */
export interface UdpListening {
  readonly localIp: string;
  readonly localPort: number;
  /** the transports a client of this address may arrive on (one per thread) */
  readonly transports: readonly ClientTransport[];
  close(): Promise<void>;
}

/** Counters a data plane keeps outside the core (the `native` plane's relaying). */
export interface DataPlaneStats {
  kind: DataPlaneKind;
  threads: number;
  /** counter name → value: forwarded messages and drops by reason, as the core names them */
  counters: Record<string, number>;
}

/** Relay sockets, client transports and the forwarding table: see the module comment. */
export interface DataPlane extends Omit<CoreOutput, 'event'> {
  readonly kind: DataPlaneKind;
  /** threads relaying (1 for `js`) */
  readonly threads: number;
  /**
   * What a plane that counts relayed traffic itself (the native one) has counted for a live
   * allocation; undefined for a plane whose traffic the core counts (js), or an unknown id.
   */
  traffic?(allocationId: number): TrafficCounters | undefined;
  /** Connects the plane to the core it hands up to (before anything listens). */
  attach(core: TurnCore, ingress: Ingress): void;
  /** Binds a UDP client transport address; throws `TurnpikeError` LISTEN_FAILED. */
  listenUdp(ip: string, port: number): Promise<UdpListening>;
  /** The 1-second sweep: reservations nobody claimed, busy marks that are over. */
  tick(now: number): void;
  /** Relay ports held by allocations and reservations, and those found held by other processes. */
  relayPorts(): { inUse: number; busy: number; reserved: number };
  stats(): DataPlaneStats;
  /** Closes every socket the plane owns. */
  close(): Promise<void>;
}
