/**
 * The actions the TURN core asks its drivers to carry out, as an interface the drivers
 * implement (so the relay path allocates no action objects): send to a peer from a relayed
 * address, open and close relay sockets, and report events for logs and metrics.
 */
import type { AddressFamily } from '../stun/types.ts';
import type { Allocation, RelayEndpoint, RelayHandle } from './allocation.ts';
import type { ForwardingTable } from './forwarding.ts';

/** What an Allocate asks of the relay-port layer (RFC 8656 §7.2, §14.6, §14.9). */
export interface RelayRequest {
  /** the families to open, primary first (two for a dual allocation, RFC 8656 §7.2 / ADDITIONAL-ADDRESS-FAMILY) */
  families: AddressFamily[];
  /** EVEN-PORT present */
  evenPort: boolean;
  /** EVEN-PORT R bit: reserve the next port too and return a RESERVATION-TOKEN */
  reserveNext: boolean;
  /** RESERVATION-TOKEN from a previous Allocate */
  reservationToken: Uint8Array | undefined;
}

/** What the driver reports back once relay sockets are bound. */
export interface OpenedRelay {
  family: AddressFamily;
  ip: string;
  port: number;
  advertisedIp: string;
  handle: RelayHandle;
}

/** Event names the core reports; fields are small and flat. */
export type CoreEventName =
  | 'allocation-created'
  | 'allocation-refreshed'
  | 'allocation-deleted'
  | 'auth-failed'
  | 'request-refused'
  | 'peer-denied'
  | 'quota-exceeded'
  | 'relay-ports-exhausted';

/** What the core asks of the outside world: a data plane (relay sockets, the table) and a log. */
export interface CoreOutput extends ForwardingTable {
  /** Sends a datagram from a relayed transport address to a peer. */
  sendToPeer(relay: RelayEndpoint, peerIp: string, peerPort: number, data: Uint8Array): void;
  /** Binds relay sockets; answer with `core.relaysOpened` or `core.relaysFailed`. */
  openRelays(allocation: Allocation, request: RelayRequest): void;
  /** Releases the relay sockets of an allocation. */
  closeRelays(allocation: Allocation): void;
  /** Something worth a log line happened. */
  event(name: CoreEventName, fields: Record<string, unknown>): void;
}
