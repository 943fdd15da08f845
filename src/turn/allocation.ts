/**
 * An allocation and what hangs off it (RFC 8656 §2.2, §9, §12): relayed transport addresses,
 * permissions by peer IP, channel bindings, lifetimes and counters. Plain data plus small
 * helpers; the decisions live in the request handlers.
 */
import type { AddressFamily, DecodedStunMessage } from '../stun/types.ts';
import type { ClientTransport } from './five-tuple.ts';
import type { TokenBucket } from './token-bucket.ts';

/**
 * The data plane's name for a relay socket. The core never looks inside; a data plane keeps
 * its sockets in a map by `id` and finds them again from this.
 */
export interface RelayHandle {
  /** which data plane owns the socket */
  readonly plane: 'js' | 'native' | 'tcp' | 'test';
  /** unique within that plane */
  readonly id: number;
}

/** A relayed transport address of an allocation (one per address family). */
export interface RelayEndpoint {
  readonly allocation: Allocation;
  readonly family: AddressFamily;
  /** the address the relay socket is bound to */
  readonly ip: string;
  readonly port: number;
  /** what XOR-RELAYED-ADDRESS says (differs from `ip` behind `external-ip`) */
  readonly advertisedIp: string;
  /** the data plane's socket */
  readonly handle: RelayHandle;
}

/** RFC 8656 §12: a channel binding; kept through its 5-minute re-bind guard after expiry. */
export interface Channel {
  readonly number: number;
  readonly peerIp: string;
  readonly peerPort: number;
  /** the relayed address of the peer's family, resolved once at bind time */
  readonly relay: RelayEndpoint;
  expiresAt: number;
  /** true while bound; false during the re-bind guard after expiry */
  active: boolean;
  /** end of the re-bind guard (RFC 8656 §12: 5 minutes after expiry) */
  guardUntil: number;
}

export type AllocationState = 'opening' | 'active';

/** RFC 8656 §7.2: an Allocate waiting for its relay sockets, answered once they are bound. */
export interface PendingAllocate {
  request: DecodedStunMessage;
  /** the key that authenticated it, to sign the answer; undefined with `no-auth` */
  key: Uint8Array | undefined;
  /** seconds granted */
  lifetime: number;
  /** the additional family asked for that this server cannot relay (ADDRESS-ERROR-CODE 440) */
  missingFamily: AddressFamily | undefined;
}

/** Counters that the stats and logs report. */
export interface TrafficCounters {
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
  dropped: number;
}

/** What an allocation is made of. */
export interface AllocationInit {
  id: number;
  transport: ClientTransport;
  clientIp: string;
  clientPort: number;
  username: string;
  realm: string;
  key: Uint8Array;
  expiresAt: number;
  now: number;
}

/** RFC 8656 §2.2: the allocation of one 5-tuple. */
export class Allocation {
  readonly id: number;
  /** the client side of the 5-tuple; changed only by an RFC 8016 mobility move (`AllocationTable.move`) */
  transport: ClientTransport;
  clientIp: string;
  clientPort: number;
  readonly username: string;
  readonly realm: string;
  /**
   * the long-term key that authenticated the Allocate; later requests must use it too (an
   * access token's allocation takes the MAC key of each new token, RFC 7635 §6.2)
   */
  key: Uint8Array;
  /** made with an access token (RFC 7635): later requests may bring new tokens */
  oauth = false;
  /** with `oauth`: when the latest token's lifetime ends (ms); no Refresh grants beyond it */
  tokenExpiresAt: number | undefined;
  state: AllocationState = 'opening';
  /** REQUESTED-TRANSPORT: UDP (RFC 8656) or TCP (RFC 6062) relaying */
  relayTransport: 'udp' | 'tcp' = 'udp';
  relays: RelayEndpoint[] = [];
  expiresAt: number;
  readonly createdAt: number;
  /** peer IP → permission expiry (RFC 8656 §9) */
  readonly permissions = new Map<string, number>();
  readonly channelsByNumber = new Map<number, Channel>();
  /** the same channels as a list, for sweeps that visit them all */
  readonly channels: Channel[] = [];
  /**
   * The same channels by peer port: a peer datagram finds its channel (RFC 8656 §12: at most
   * one per peer transport address) with one number-keyed look-up and an IP compare, however
   * many channels the allocation has, and without building a key.
   */
  readonly #channelsByPeerPort = new Map<number, Channel[]>();
  /** the transaction id (hex) and answer of the Allocate, for retransmissions */
  allocateTransactionId = '';
  allocateResponse: Uint8Array | undefined;
  /** recent answers to other requests, transaction id (hex) → bytes */
  readonly answers = new Map<string, Uint8Array>();
  readonly traffic: TrafficCounters = { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, dropped: 0 };
  bandwidth: TokenBucket | undefined;
  /** the realm's `max-bps` when the allocation was made (bytes per second; 0 = unlimited) */
  maxBps = 0;
  /** the canonical ORIGIN of the Allocate that made it ('' when none), for `check-origin-consistency` */
  origin = '';
  /** whether the response must carry FINGERPRINT (the client uses it) */
  fingerprint = false;
  /** while `opening`: what the Allocate asked, to answer it once the relay sockets are bound */
  pendingAllocate: PendingAllocate | undefined;
  /** RFC 8016: the Allocate asked for a MOBILITY-TICKET, so the allocation may move to another 5-tuple */
  mobile = false;
  /** RFC 8016: goes up at each move, so a ticket issued before it no longer opens the allocation */
  mobilityGeneration = 0;

  constructor(init: AllocationInit) {
    this.id = init.id;
    this.transport = init.transport;
    this.clientIp = init.clientIp;
    this.clientPort = init.clientPort;
    this.username = init.username;
    this.realm = init.realm;
    this.key = init.key;
    this.expiresAt = init.expiresAt;
    this.createdAt = init.now;
  }

  /** The relay endpoint for a peer family, if the allocation has one. */
  relayFor(family: AddressFamily): RelayEndpoint | undefined {
    for (const r of this.relays) if (r.family === family) return r;
    return undefined;
  }

  /** RFC 8656 §9: is there an unexpired permission for this peer IP? */
  hasPermission(peerIp: string, now: number): boolean {
    const exp = this.permissions.get(peerIp);
    return exp !== undefined && exp > now;
  }

  /** The active channel bound to this peer transport address, if any (RFC 8656 §12.6). */
  channelForPeer(peerIp: string, peerPort: number, now: number): Channel | undefined {
    const ch = this.channelHoldingPeer(peerIp, peerPort);
    return ch !== undefined && ch.active && ch.expiresAt > now ? ch : undefined;
  }

  /** Any channel (active or in its re-bind guard) holding this peer transport address. */
  channelHoldingPeer(peerIp: string, peerPort: number): Channel | undefined {
    const list = this.#channelsByPeerPort.get(peerPort);
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) if (list[i].peerIp === peerIp) return list[i];
    return undefined;
  }

  /** Adds a channel binding. */
  addChannel(ch: Channel): void {
    this.channelsByNumber.set(ch.number, ch);
    this.channels.push(ch);
    const list = this.#channelsByPeerPort.get(ch.peerPort);
    if (list === undefined) this.#channelsByPeerPort.set(ch.peerPort, [ch]);
    else list.push(ch);
  }

  /** Forgets a channel binding entirely (after its re-bind guard). */
  removeChannel(ch: Channel): void {
    this.channelsByNumber.delete(ch.number);
    removeFrom(this.channels, ch);
    const list = this.#channelsByPeerPort.get(ch.peerPort);
    if (list !== undefined && removeFrom(list, ch) && list.length === 0) this.#channelsByPeerPort.delete(ch.peerPort);
  }

  /** Remembers an answer for retransmissions of the same request (bounded). */
  rememberAnswer(transactionIdHex: string, answer: Uint8Array): void {
    if (this.answers.size >= 8) {
      const first = this.answers.keys().next().value;
      if (first !== undefined) this.answers.delete(first);
    }
    this.answers.set(transactionIdHex, answer);
  }
}

function removeFrom<T>(list: T[], item: T): boolean {
  const i = list.indexOf(item);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}
