/**
 * The forwarding table the TURN core publishes for a data plane (RFC 8656 §11–§12): for each
 * active allocation, its client 5-tuple, relayed addresses, lifetime, permissions, channel
 * bindings and bandwidth budget — everything needed to relay ChannelData, Send and peer
 * datagrams without asking the core. The core publishes an allocation's whole entry again
 * whenever any of it changes (permissions and channels change minutes apart, so this is cheap)
 * and withdraws it when the allocation goes; a data plane that cannot decide something hands
 * it up to the core instead.
 */
import type { AddressFamily } from '../stun/types.ts';
import type { Allocation, RelayHandle, TrafficCounters } from './allocation.ts';
import type { ClientTransport } from './five-tuple.ts';

/** A relayed transport address as the table names it. */
export interface ForwardingRelay {
  family: AddressFamily;
  ip: string;
  port: number;
  handle: RelayHandle;
}

/** RFC 8656 §9: a permission, by peer IP. */
export interface ForwardingPermission {
  ip: string;
  expiresAt: number;
}

/** RFC 8656 §12: an active channel binding. */
export interface ForwardingChannel {
  number: number;
  peerIp: string;
  peerPort: number;
  family: AddressFamily;
  expiresAt: number;
}

/** One allocation's row. Times are the core clock's milliseconds. */
export interface ForwardingEntry {
  id: number;
  transport: ClientTransport;
  clientIp: string;
  clientPort: number;
  relays: readonly ForwardingRelay[];
  expiresAt: number;
  /** Data indications toward the client carry FINGERPRINT (RFC 8489 §14.7) */
  fingerprint: boolean;
  /** `max-bps`: bytes per second both ways; 0 = no limit */
  maxBps: number;
  permissions: readonly ForwardingPermission[];
  channels: readonly ForwardingChannel[];
}

/** Where the core publishes its table: the data plane (or a test that records it). */
export interface ForwardingTable {
  /** An allocation became active, or something of its entry changed. */
  upsert(entry: ForwardingEntry): void;
  /**
   * The allocation is gone: nothing more is relayed for it. A plane that relayed for it
   * returns the traffic it counted, which the core adds to the allocation's own.
   */
  remove(allocationId: number): TrafficCounters | undefined | void;
}

/** The entry of an active allocation, as of now (expired permissions and channels left out). */
export function forwardingEntry(alloc: Allocation, maxBps: number, now: number): ForwardingEntry {
  const permissions: ForwardingPermission[] = [];
  for (const [ip, expiresAt] of alloc.permissions) if (expiresAt > now) permissions.push({ ip, expiresAt });
  const channels: ForwardingChannel[] = [];
  for (const ch of alloc.channels) {
    if (ch.active && ch.expiresAt > now) channels.push({ number: ch.number, peerIp: ch.peerIp, peerPort: ch.peerPort, family: ch.relay.family, expiresAt: ch.expiresAt });
  }
  return {
    id: alloc.id,
    transport: alloc.transport,
    clientIp: alloc.clientIp,
    clientPort: alloc.clientPort,
    relays: alloc.relays.map((r) => ({ family: r.family, ip: r.ip, port: r.port, handle: r.handle })),
    expiresAt: alloc.expiresAt,
    fingerprint: alloc.fingerprint,
    maxBps,
    permissions,
    channels,
  };
}
