/**
 * The TURN server as an I/O-free state machine (RFC 8656): requests, indications, ChannelData
 * and peer datagrams go in with the current time; answers go out through the client
 * transports and `CoreOutput`. No sockets, no timers, no clock: drivers feed it.
 */
import { Method, MessageClass, type DecodedStunMessage } from '../stun/types.ts';
import { maxUdpPayload } from '../stun/index.ts';
import type { KeyLookup } from '../auth/credential-store.ts';
import type { NonceService } from '../auth/nonce.ts';
import type { PeerPolicy } from './peer-policy.ts';
import { Allocation } from './allocation.ts';
import type { RelayEndpoint } from './allocation.ts';
import type { TurnCoreOptions } from './core-options.ts';
import type { CoreOutput, OpenedRelay } from './core-output.ts';
import { FiveTupleMap, type ClientTransport } from './five-tuple.ts';
import { TokenBucket } from './token-bucket.ts';
import { CoreCounters } from './counters.ts';
import { SourceBudgets } from './source-budgets.ts';
import { errorResponse } from './responses.ts';
import { handleBinding, handleLegacyBinding } from './handle-binding.ts';
import { handleTurnRequest } from './handle-request.ts';
import { handleSend } from './handle-send.ts';
import { finishAllocate, failAllocate } from './handle-allocate.ts';
import { expireAllocation } from './expiry.ts';
import { relayToClient } from './relay-to-client.ts';

/** Most source IPs whose unauthenticated budget (or recent authentication) is tracked at once. */
const MAX_TRACKED_SOURCES = 100_000;

/** Everything the core depends on, chosen at start-up. */
export interface TurnCoreDeps {
  options: TurnCoreOptions;
  nonces: NonceService;
  policy: PeerPolicy;
  output: CoreOutput;
  /** fills a buffer with random bytes (reservation tokens); injected so tests are repeatable */
  randomBytes: (n: number) => Uint8Array;
}

/** RFC 8656 server: allocation table, permissions, channels, quotas and auth decisions. */
export class TurnCore {
  readonly options: TurnCoreOptions;
  readonly nonces: NonceService;
  readonly policy: PeerPolicy;
  readonly output: CoreOutput;
  readonly randomBytes: (n: number) => Uint8Array;
  readonly counters = new CoreCounters();
  /** 5-tuple → allocation */
  readonly allocations = new FiveTupleMap<Allocation>();
  /** allocations per username, for `user-quota` */
  readonly perUser = new Map<string, number>();
  /** unauthenticated-answer budgets per source IP, and the sources that authenticated lately */
  readonly sourceBudgets: SourceBudgets;
  serverBandwidth: TokenBucket | undefined;
  #nextId = 1;

  constructor(deps: TurnCoreDeps, now: number) {
    this.options = deps.options;
    this.nonces = deps.nonces;
    this.policy = deps.policy;
    this.output = deps.output;
    this.randomBytes = deps.randomBytes;
    if (deps.options.bpsCapacity > 0) this.serverBandwidth = new TokenBucket(deps.options.bpsCapacity, now);
    this.sourceBudgets = new SourceBudgets({
      rate: deps.options.unauthenticatedRateLimit,
      burst: deps.options.unauthenticatedBurst,
      trustedRate: deps.options.authenticatedSourceRateLimit,
      trustedMs: deps.options.authenticatedSourceSeconds * 1000,
      maxSources: MAX_TRACKED_SOURCES,
    });
  }

  /** Number of allocations (opening or active). */
  get allocationCount(): number {
    return this.allocations.size;
  }

  /** The allocation of a 5-tuple, if any. */
  findAllocation(transport: ClientTransport, ip: string, port: number): Allocation | undefined {
    return this.allocations.get(transport.id, ip, port);
  }

  /**
   * A decoded STUN message from a client. `lookup` is the credential store's answer for its
   * USERNAME (see `carriesCredentials`), undefined when it carries none.
   */
  handleStun(transport: ClientTransport, ip: string, port: number, msg: DecodedStunMessage, lookup: KeyLookup | undefined, now: number): void {
    if (msg.class === MessageClass.Request) {
      this.counters.requests++;
      if (msg.method === Method.Binding) handleBinding(this, transport, ip, port, msg, lookup, now);
      else handleTurnRequest(this, transport, ip, port, msg, lookup, now);
    } else if (msg.class === MessageClass.Indication) {
      if (msg.method === Method.Send) handleSend(this, transport, ip, port, msg, now);
      // RFC 8489 §6.3.2: a Binding indication is a keepalive, answered by nobody.
      else if (msg.method === Method.Binding) this.counters.keepalives++;
      else this.counters.drop('unexpected-indication');
    } else {
      this.counters.drop('response-from-client');
    }
  }

  /** An RFC 3489 Binding request (no magic cookie): answered with MAPPED-ADDRESS when allowed. */
  handleLegacyStun(transport: ClientTransport, ip: string, port: number, raw: Uint8Array, now: number): void {
    handleLegacyBinding(this, transport, ip, port, raw, now);
  }

  /**
   * RFC 8656 §12.4: ChannelData from a client, relayed to the bound peer. The hot path: the
   * header is read in place and the payload leaves as a view of the received datagram.
   */
  handleChannelData(transport: ClientTransport, ip: string, port: number, buf: Uint8Array, now: number): void {
    const alloc = this.allocations.get(transport.id, ip, port);
    if (alloc === undefined) return this.counters.drop('channel-data-no-allocation');
    if (buf.length < 4) return this.counters.drop('channel-data-malformed');
    const number = (buf[0] << 8) | buf[1];
    const length = (buf[2] << 8) | buf[3];
    // Longer than what arrived is a lie; shorter is padding (RFC 8656 §12.5), which is allowed.
    if (length + 4 > buf.length) return this.counters.drop('channel-data-malformed');
    const ch = alloc.channelsByNumber.get(number);
    if (ch === undefined || !ch.active || ch.expiresAt <= now) return this.counters.drop('channel-not-bound');
    // A binding lasts 10 minutes and its permission 5 (RFC 8656 §9, §12): a client that lets the
    // permission lapse sends nothing, as with a Send indication (§11.2), nor hears back (§12.6).
    if (!alloc.hasPermission(ch.peerIp, now)) return this.counters.drop('channel-data-no-permission');
    const relay = ch.relay;
    if (length > maxUdpPayload(relay.family)) return this.counters.drop('channel-data-too-large-for-peer');
    if (!this.spendBandwidth(alloc, length, now)) return;
    alloc.traffic.txPackets++;
    alloc.traffic.txBytes += length;
    this.counters.channelDataIn++;
    this.output.sendToPeer(relay, ch.peerIp, ch.peerPort, buf.subarray(4, 4 + length));
  }

  /** RFC 8656 §11.3 / §12.6: a datagram from a peer to a relayed address. */
  handlePeerData(relay: RelayEndpoint, peerIp: string, peerPort: number, data: Uint8Array, now: number): void {
    relayToClient(this, relay, peerIp, peerPort, data, now);
  }

  /** The driver bound the relay sockets asked for by `openRelays`. */
  relaysOpened(alloc: Allocation, relays: OpenedRelay[], now: number, reservationToken?: Uint8Array): void {
    finishAllocate(this, alloc, relays, now, reservationToken);
  }

  /** The driver could not bind relay sockets (RFC 8656 §7.2: 508 when the port range is exhausted). */
  relaysFailed(alloc: Allocation, code: 440 | 508, now: number): void {
    failAllocate(this, alloc, code, now);
  }

  /** A stream transport (TCP/TLS connection) closed: its allocations go with it (RFC 8656 §3.1). */
  transportClosed(transport: ClientTransport, now: number): void {
    for (const alloc of [...this.allocations.values()]) {
      if (alloc.transport === transport) this.deleteAllocation(alloc, now, 'transport-closed');
    }
  }

  /** Periodic sweep: expired allocations, permissions, channels and idle rate-limit budgets. */
  tick(now: number): void {
    for (const alloc of [...this.allocations.values()]) {
      if (alloc.state === 'active' && alloc.expiresAt <= now) this.deleteAllocation(alloc, now, 'expired');
      else expireAllocation(alloc, now);
    }
    this.sourceBudgets.sweep(now);
  }

  /** Creates an allocation in the `opening` state and counts it against the quotas. */
  createAllocation(transport: ClientTransport, ip: string, port: number, username: string, realm: string, key: Uint8Array, lifetime: number, now: number): Allocation {
    const alloc = new Allocation({ id: this.#nextId++, transport, clientIp: ip, clientPort: port, username, realm, key, expiresAt: now + lifetime * 1000, now });
    if (this.options.maxBps > 0) alloc.bandwidth = new TokenBucket(this.options.maxBps, now);
    this.allocations.set(transport.id, ip, port, alloc);
    this.perUser.set(username, (this.perUser.get(username) ?? 0) + 1);
    return alloc;
  }

  /** Removes an allocation, gives its quota back and closes its relays. */
  deleteAllocation(alloc: Allocation, now: number, why: string): void {
    if (!this.allocations.delete(alloc.transport.id, alloc.clientIp, alloc.clientPort)) return;
    const n = (this.perUser.get(alloc.username) ?? 1) - 1;
    if (n > 0) this.perUser.set(alloc.username, n);
    else this.perUser.delete(alloc.username);
    if (alloc.relays.length > 0) this.output.closeRelays(alloc);
    this.counters.allocationsDeleted++;
    this.output.event('allocation-deleted', {
      id: alloc.id,
      user: alloc.username,
      why,
      seconds: Math.round((now - alloc.createdAt) / 1000),
      ...alloc.traffic,
    });
  }

  /** Bandwidth budget of an allocation and of the server (`max-bps`, `bps-capacity`). */
  spendBandwidth(alloc: Allocation, bytes: number, now: number): boolean {
    if (alloc.bandwidth !== undefined && !alloc.bandwidth.take(bytes, now)) {
      alloc.traffic.dropped++;
      this.counters.drop('max-bps');
      return false;
    }
    if (this.serverBandwidth !== undefined && !this.serverBandwidth.take(bytes, now)) {
      alloc.traffic.dropped++;
      this.counters.drop('bps-capacity');
      return false;
    }
    return true;
  }

  /**
   * Sends an answer that no credential vouches for, within the per-source-IP budget, so the
   * server cannot be used to amplify traffic toward a spoofed address. Returns false if dropped.
   */
  sendUnauthenticated(transport: ClientTransport, ip: string, port: number, answer: Uint8Array, now: number): boolean {
    // Over TCP and TLS the handshake proved the source address, so no one can be amplified at;
    // those clients also never retransmit, so a dropped answer would hang them.
    if (transport.protocol === 'tcp' || transport.protocol === 'tls') {
      transport.send(ip, port, answer);
      return true;
    }
    const decision = this.sourceBudgets.take(ip, now);
    if (decision !== 'ok') {
      this.counters.drop(decision === 'table-full' ? 'unauthenticated-table-full' : 'unauthenticated-rate-limit');
      return false;
    }
    transport.send(ip, port, answer);
    return true;
  }

  /** An error answer to a request no credential vouches for (rate-limited). */
  rejectUnauthenticated(transport: ClientTransport, ip: string, port: number, req: DecodedStunMessage, code: number, now: number, extra = [] as Parameters<typeof errorResponse>[3]): void {
    this.counters.errorResponses++;
    this.sendUnauthenticated(transport, ip, port, errorResponse(req, this.options, code, extra), now);
  }
}
