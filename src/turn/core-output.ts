/**
 * The actions the TURN core asks its drivers to carry out, as an interface the drivers
 * implement (so the relay path allocates no action objects): send to a peer from a relayed
 * address, open and close relay sockets, and report events for logs and metrics.
 */
import type { AddressFamily } from '../stun/types.ts';
import type { Allocation, RelayEndpoint, RelayHandle } from './allocation.ts';
import type { ForwardingTable } from './forwarding.ts';
import type { ClientTransport } from './five-tuple.ts';

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
  | 'relay-ports-exhausted'
  | 'allocation-moved'
  | 'tcp-connection-bound'
  | 'tcp-connection-closed';

/**
 * RFC 6062: what a TCP relay driver does for the core — listening sockets on relayed
 * addresses, connections to peers, and client data connections joined to peer ones.
 */
export interface TcpRelayOutput {
  /** Binds a listening TCP socket per family; answer with `core.relaysOpened` or `core.relaysFailed`. */
  openRelays(allocation: Allocation, request: RelayRequest): void;
  /** Closes the listening sockets and every peer data connection of an allocation; the bytes those relayed. */
  closeRelays(allocation: Allocation): { toPeer: number; toClient: number } | void;
  /** RFC 6062 §5.2: connects from the relayed address to a peer; answer with `core.tcpPeerConnected`. */
  connectPeer(relay: RelayEndpoint, connectionId: number, peerIp: string, peerPort: number): void;
  /** RFC 6062 §5.4: from now on `transport` (a client data connection) and the peer connection carry raw bytes both ways. */
  bindConnection(connectionId: number, transport: ClientTransport): void;
  /** Closes a peer data connection (not bound in time, refused, its allocation gone). */
  closeConnection(connectionId: number): void;
}

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
  /**
   * The UDP listening transport bound to `ip:port`, if any: RFC 5780 answers to CHANGE-REQUEST
   * leave from a sibling of the listener the request came in on (RFC 5780 §6.1).
   */
  udpTransportAt?(ip: string, port: number): ClientTransport | undefined;
  /** the RFC 6062 TCP relay driver; without one, TCP allocations are refused (442) */
  tcp?: TcpRelayOutput;
}
