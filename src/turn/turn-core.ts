/**
 * The TURN server as an I/O-free state machine (RFC 8656): requests, indications, ChannelData
 * and peer datagrams go in with the current time; answers go out through the client
 * transports and `CoreOutput`, which also receives the forwarding table a data plane relays
 * from. No sockets, no timers, no clock: drivers feed it. Its state is private; handlers work
 * through a `CoreContext`.
 */
import { Method, MessageClass, type DecodedStunMessage, type StunAttribute } from '../stun/types.ts';
import { maxUdpPayload } from '../stun/index.ts';
import type { KeyLookup } from '../auth/credential-store.ts';
import type { NonceService } from '../auth/nonce.ts';
import type { PeerPolicy } from './peer-policy.ts';
import type { Allocation, RelayEndpoint } from './allocation.ts';
import { AllocationTable, type NewAllocation } from './allocation-table.ts';
import type { TurnCoreOptions } from './core-options.ts';
import type { CoreOutput, OpenedRelay } from './core-output.ts';
import type { CoreContext } from './core-context.ts';
import type { ClientTransport } from './five-tuple.ts';
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
import { forwardingEntry } from './forwarding.ts';
import { fixedRealms, type RealmDirectory, type RealmLimits } from './realms.ts';
import { precheckCredentials, type PrecheckOutcome } from './auth-precheck.ts';
import { NO_BACKEND_ENDPOINTS, type BackendEndpoints } from './backend-endpoints.ts';
import { TcpConnectionTable } from './tcp-connections.ts';
import { closeTcpRelays, forgetTcpConnections, sweepTcpConnections, tcpConnectionClosed, tcpPeerArrived, tcpPeerConnected } from './handle-connect.ts';
import type { TicketSealer } from './mobility-ticket.ts';
import { suspendMobile } from './handle-mobility.ts';
import type { AlternateServers } from './alternate-servers.ts';
import type { FleetRedirect } from './fleet-redirect.ts';

/** Most source IPs whose unauthenticated budget (or recent authentication) is tracked at once. */
const MAX_TRACKED_SOURCES = 100_000;

/** Everything the core depends on, chosen at start-up. */
export interface TurnCoreDeps {
  options: TurnCoreOptions;
  nonces: NonceService;
  policy: PeerPolicy;
  /** realms beyond `options.realm` (a user database's); default: the one configured realm */
  realms?: RealmDirectory;
  output: CoreOutput;
  /** the server's own backends, refused as peers; default none */
  backends?: BackendEndpoints;
  /** fills a buffer with random bytes (reservation tokens); injected so tests are repeatable */
  randomBytes: (n: number) => Uint8Array;
  /** RFC 8016: seals and opens MOBILITY-TICKETs (a MAC under a server secret); without it, no mobility */
  tickets?: TicketSealer;
  /** RFC 8489 §10: the alternate-server rotations, their health fed in by a driver */
  alternates?: AlternateServers;
  /** RFC 8489 §10: the fleet's less-loaded members (`fleet-redirect-at`), fed in by a driver */
  fleetRedirect?: FleetRedirect;
}

/** RFC 8656 server: allocation table, permissions, channels, quotas and auth decisions. */
export class TurnCore {
  readonly options: TurnCoreOptions;
  readonly counters = new CoreCounters();
  readonly #allocations = new AllocationTable();
  readonly #budgets: SourceBudgets;
  readonly #output: CoreOutput;
  readonly #serverBandwidth: TokenBucket | undefined;
  readonly #ctx: CoreContext;

  constructor(deps: TurnCoreDeps, now: number) {
    this.options = deps.options;
    this.#output = deps.output;
    if (deps.options.bpsCapacity > 0) this.#serverBandwidth = new TokenBucket(deps.options.bpsCapacity, now);
    this.#budgets = new SourceBudgets({
      rate: deps.options.unauthenticatedRateLimit,
      burst: deps.options.unauthenticatedBurst,
      trustedRate: deps.options.authenticatedSourceRateLimit,
      trustedMs: deps.options.authenticatedSourceSeconds * 1000,
      maxSources: MAX_TRACKED_SOURCES,
    });
    this.#ctx = this.#context(deps);
  }

  #context(deps: TurnCoreDeps): CoreContext {
    const counters = this.counters;
    const options = deps.options;
    const output = deps.output;
    const allocations = this.#allocations;
    const budgets = this.#budgets;
    const serverBandwidth = this.#serverBandwidth;
    const ctx: CoreContext = {
      options,
      counters,
      nonces: deps.nonces,
      realms: deps.realms ?? fixedRealms(options.realm, { maxBps: options.maxBps, userQuota: options.userQuota, totalQuota: options.totalQuota }, deps.policy),
      output,
      allocations,
      budgets,
      backends: deps.backends ?? NO_BACKEND_ENDPOINTS,
      tcpConnections: new TcpConnectionTable(deps.randomBytes),
      random: deps.randomBytes,
      tickets: deps.tickets,
      alternates: deps.alternates,
      fleetRedirect: deps.fleetRedirect,
      sendUnauthenticated(transport, ip, port, answer, now) {
        // Over TCP and TLS the handshake proved the source address, so no one can be reflected
        // at; those clients also never retransmit, so a dropped answer would hang them.
        if (transport.protocol === 'tcp' || transport.protocol === 'tls') {
          transport.send(ip, port, answer);
          return true;
        }
        const decision = budgets.take(ip, now);
        if (decision !== 'ok') {
          counters.drop(decision === 'table-full' ? 'unauthenticated-table-full' : 'unauthenticated-rate-limit');
          return false;
        }
        transport.send(ip, port, answer);
        return true;
      },
      rejectUnauthenticated(transport, ip, port, req, code, now, extra: StunAttribute[] = [], phrase?: string) {
        counters.errorResponses++;
        const sent = ctx.sendUnauthenticated(transport, ip, port, errorResponse(req, options, code, extra, {}, phrase), now);
        if (code === 401) {
          if (sent) counters.unauthenticated401Sent++;
          else counters.unauthenticated401Dropped++;
        }
      },
      spendBandwidth(alloc, bytes, now) {
        if (alloc.bandwidth !== undefined && !alloc.bandwidth.take(bytes, now)) {
          alloc.traffic.dropped++;
          counters.drop('max-bps');
          return false;
        }
        if (serverBandwidth !== undefined && !serverBandwidth.take(bytes, now)) {
          alloc.traffic.dropped++;
          counters.drop('bps-capacity');
          return false;
        }
        return true;
      },
      createAllocation(init: Omit<NewAllocation, 'now'>, now) {
        const alloc = allocations.create({ ...init, now });
        alloc.maxBps = ctx.realms.limits(alloc.realm).maxBps;
        if (alloc.maxBps > 0) alloc.bandwidth = new TokenBucket(alloc.maxBps, now);
        return alloc;
      },
      deleteAllocation(alloc, now, why) {
        if (!allocations.delete(alloc)) return;
        alloc.pendingAllocate = undefined;
        forgetTcpConnections(ctx, alloc);
        if (alloc.state === 'active' && alloc.relayTransport === 'udp') {
          const relayed = output.remove(alloc.id);
          if (relayed) {
            alloc.traffic.rxPackets += relayed.rxPackets;
            alloc.traffic.rxBytes += relayed.rxBytes;
            alloc.traffic.txPackets += relayed.txPackets;
            alloc.traffic.txBytes += relayed.txBytes;
            alloc.traffic.dropped += relayed.dropped;
          }
        }
        if (alloc.relays.length > 0) {
          if (alloc.relayTransport === 'tcp') closeTcpRelays(ctx, alloc);
          else output.closeRelays(alloc);
        }
        counters.allocationsDeleted++;
        output.event('allocation-deleted', {
          id: alloc.id,
          user: alloc.username,
          why,
          seconds: Math.round((now - alloc.createdAt) / 1000),
          ...alloc.traffic,
        });
      },
      publish(alloc, now) {
        // A TCP allocation (RFC 6062) has no row: its bytes go through the TCP relay driver.
        if (alloc.state === 'active' && alloc.relayTransport === 'udp') output.upsert(forwardingEntry(alloc, alloc.maxBps, now));
      },
    };
    return ctx;
  }

  /**
   * A reload (SIGHUP): new options, peer policy and realms for what comes next. Allocations
   * keep what they were granted (their lifetime, bandwidth, permissions); the next request
   * is decided under the new settings. Options that shape state made at start-up (the rate
   * budgets, the server bandwidth bucket) are the caller's to leave alone.
   */
  reconfigure(options: TurnCoreOptions, policy: PeerPolicy, realms?: RealmDirectory): void {
    Object.assign(this.options, options);
    const ctx = this.#ctx as { realms: RealmDirectory };
    ctx.realms = realms ?? fixedRealms(options.realm, { maxBps: options.maxBps, userQuota: options.userQuota, totalQuota: options.totalQuota }, policy);
  }

  /** The alternate-server rotations (RFC 8489 §10), when some are configured: a health checker reports into them. */
  get alternates(): AlternateServers | undefined {
    return this.#ctx.alternates;
  }

  /** The fleet's redirect targets (`fleet-redirect-at`), when set: the fleet driver refreshes them. */
  get fleetRedirect(): FleetRedirect | undefined {
    return this.#ctx.fleetRedirect;
  }

  /** What `realm` allows now (`user-quota`, `total-quota`, `max-bps`): a driver's gate reads the quotas. */
  limitsOf(realm: string): RealmLimits {
    return this.#ctx.realms.limits(realm);
  }

  /** Number of allocations (opening or active). */
  get allocationCount(): number {
    return this.#allocations.size;
  }

  /** Allocations per username (for `user-quota`; read-only). */
  get perUser(): ReadonlyMap<string, number> {
    return this.#allocations.perUser();
  }

  /** Every allocation, opening or active (a copy: safe to delete from while iterating). */
  allocations(): Allocation[] {
    return this.#allocations.all();
  }

  /** The unauthenticated-answer budgets, read-only. */
  get sourceBudgets(): Pick<SourceBudgets, 'size' | 'trustedCount' | 'isTrusted'> {
    return this.#budgets;
  }

  /** The allocation of a 5-tuple, if any. */
  findAllocation(transport: ClientTransport, ip: string, port: number): Allocation | undefined {
    return this.#allocations.find(transport, ip, port);
  }

  /**
   * A decoded STUN message from a client. `lookup` is the credential store's answer for its
   * USERNAME (see `carriesCredentials`), undefined when it carries none.
   */
  handleStun(transport: ClientTransport, ip: string, port: number, msg: DecodedStunMessage, lookup: KeyLookup | undefined, now: number): void {
    const ctx = this.#ctx;
    if (msg.class === MessageClass.Request) {
      this.counters.requests++;
      if (msg.method === Method.Binding) handleBinding(ctx, transport, ip, port, msg, lookup, now);
      else handleTurnRequest(ctx, transport, ip, port, msg, lookup, now);
    } else if (msg.class === MessageClass.Indication) {
      if (msg.method === Method.Send) handleSend(ctx, transport, ip, port, msg, now);
      // RFC 8489 §6.3.2: a Binding indication is a keepalive, answered by nobody.
      else if (msg.method === Method.Binding) this.counters.keepalives++;
      else this.counters.drop('unexpected-indication');
    } else {
      this.counters.drop('response-from-client');
    }
  }

  /**
   * Before the credential store is asked for `msg`'s key: the allocation's own key, `skip`
   * when the nonce or realm fails anyway, or `lookup` (see `auth-precheck.ts`).
   */
  precheckCredentials(transport: ClientTransport, ip: string, port: number, msg: DecodedStunMessage, now: number): PrecheckOutcome {
    return precheckCredentials(this.#ctx, transport, ip, port, msg, now);
  }

  /** An RFC 3489 Binding request (no magic cookie): answered with MAPPED-ADDRESS when allowed. */
  handleLegacyStun(transport: ClientTransport, ip: string, port: number, raw: Uint8Array, now: number): void {
    handleLegacyBinding(this.#ctx, transport, ip, port, raw, now);
  }

  /**
   * RFC 8656 §12.4: ChannelData from a client, relayed to the bound peer. The hot path of the
   * `js` data plane: the header is read in place and the payload leaves as a view of the
   * received datagram.
   */
  handleChannelData(transport: ClientTransport, ip: string, port: number, buf: Uint8Array, now: number): void {
    const alloc = this.#allocations.find(transport, ip, port);
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
    if (!this.#ctx.spendBandwidth(alloc, length, now)) return;
    alloc.traffic.txPackets++;
    alloc.traffic.txBytes += length;
    this.counters.channelDataIn++;
    this.#output.sendToPeer(relay, ch.peerIp, ch.peerPort, buf.subarray(4, 4 + length));
  }

  /** RFC 8656 §11.3 / §12.6: a datagram from a peer to a relayed address. */
  handlePeerData(relay: RelayEndpoint, peerIp: string, peerPort: number, data: Uint8Array, now: number): void {
    relayToClient(this.#ctx, relay, peerIp, peerPort, data, now);
  }

  /** The driver bound the relay sockets asked for by `openRelays`. */
  relaysOpened(alloc: Allocation, relays: OpenedRelay[], now: number, reservationToken?: Uint8Array): void {
    finishAllocate(this.#ctx, alloc, relays, now, reservationToken);
  }

  /** The driver could not bind relay sockets (RFC 8656 §7.2: 508 when the port range is exhausted), or refused them (486: a fleet quota). */
  relaysFailed(alloc: Allocation, code: 440 | 486 | 508, now: number): void {
    failAllocate(this.#ctx, alloc, code, now);
  }

  /** RFC 6062 §5.2: a Connect's connection to its peer is established (or not); false: close it. */
  tcpPeerConnected(connectionId: number, ok: boolean, now: number): boolean {
    return tcpPeerConnected(this.#ctx, connectionId, ok, now);
  }

  /** RFC 6062 §5.3: a peer connected to a TCP relayed address; its CONNECTION-ID, or 0: close it. */
  tcpPeerArrived(relay: RelayEndpoint, peerIp: string, peerPort: number, now: number): number {
    return tcpPeerArrived(this.#ctx, relay, peerIp, peerPort, now);
  }

  /** A peer data connection closed, having relayed these many bytes each way. */
  tcpConnectionClosed(connectionId: number, toPeer: number, toClient: number): void {
    tcpConnectionClosed(this.#ctx, connectionId, toPeer, toClient);
  }

  /** Peer data connections (RFC 6062) being made, waiting for a ConnectionBind, or bound. */
  get tcpConnectionCount(): number {
    return this.#ctx.tcpConnections.size;
  }

  /**
   * A stream transport (TCP/TLS connection) closed: its allocations go with it (RFC 8656 §3.1),
   * but for mobile ones (RFC 8016), kept for their ticket to bring them back.
   */
  transportClosed(transport: ClientTransport, now: number): void {
    for (const alloc of this.#allocations.all()) {
      if (alloc.transport === transport && !suspendMobile(this.#ctx, alloc, now)) this.#ctx.deleteAllocation(alloc, now, 'transport-closed');
    }
  }

  /** Removes an allocation (shutdown, an operator's kill): its quota back, its relays closed. */
  deleteAllocation(alloc: Allocation, now: number, why: string): void {
    this.#ctx.deleteAllocation(alloc, now, why);
  }

  /** The credential store failed to answer: the request is dropped (the client retransmits) and counted. */
  credentialStoreFailed(err: unknown): void {
    this.counters.drop('credential-store-error');
    this.#output.event('auth-failed', { reason: 'credential-store-error', error: err instanceof Error ? err.message : String(err) });
  }

  /** Periodic sweep: expired allocations, permissions, channels and idle rate-limit budgets. */
  tick(now: number): void {
    for (const alloc of this.#allocations.all()) {
      if (alloc.state === 'active' && alloc.expiresAt <= now) this.#ctx.deleteAllocation(alloc, now, 'expired');
      else if (expireAllocation(alloc, now)) this.#ctx.publish(alloc, now);
    }
    sweepTcpConnections(this.#ctx, now);
    this.#budgets.sweep(now);
  }
}
