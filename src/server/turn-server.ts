/**
 * Server wiring: a checked `Config` becomes a credential store, a peer policy, a nonce
 * service, the TURN core, UDP and TCP listeners and the relay driver — started, and stopped
 * again by `close()`.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/types.ts';
import type { CredentialStore } from '../auth/credential-store.ts';
import type { PermissionHandler } from '../auth/hook-credential-store.ts';
import type { UserDatabase } from '../db/types.ts';
import type { DatabaseHealth } from '../db/health.ts';
import { openServerCredentials, type ServerCredentials } from './credentials.ts';
import { createNonceService } from '../auth/nonce.ts';
import type { Logger } from '../log/logger.ts';
import { createPeerPolicy } from '../turn/peer-policy.ts';
import { TurnCore } from '../turn/turn-core.ts';
import type { TurnCoreOptions } from '../turn/core-options.ts';
import type { CoreOutput } from '../turn/core-output.ts';
import type { Ingress } from './ingress.ts';
import { resolveListeningIps, resolveRelayAddresses } from './addresses.ts';
import { TcpRelay } from './tcp-relay.ts';
import { resolveBackendEndpoints } from './backend-endpoints.ts';
import { listenStream, type StreamListener } from './stream-listener.ts';
import { listenProxied } from './proxy-listener.ts';
import { altListeningPort, altTlsListeningPort, rfc5780Plan, rfc5780Unavailable } from './rfc5780-plan.ts';
import type { ClientTransport } from '../turn/five-tuple.ts';
import { createDataPlane } from '../dataplane/index.ts';
import type { DataPlane, UdpListening } from '../dataplane/types.ts';
import { tlsServerOptions } from './tls-context.ts';
import { dtlsPorts, startDtls } from './dtls-setup.ts';
import type { DtlsStats } from './dtls-server.ts';
import { diffConfig, mergeLive, type ConfigChanges } from './config-diff.ts';
import { AuthFailureLog, type RecentAuthFailure } from './auth-failure-log.ts';
import { FaultGuard, type FaultSite } from '../log/fault-guard.ts';
import { pooledRandom } from '../net/random-pool.ts';
import { createTicketSealer } from './mobility-tickets.ts';
import { alternateServersFrom, listenAuxServers, startAlternateHealth, type AlternateHealthSettings } from './load-balancing.ts';
import type { Fleet, FleetHost } from '../fleet/index.ts';

/** The product name and version in SOFTWARE and logs. */
export const VERSION = '0.1.0';
export const SOFTWARE = `Turnpike ${VERSION}`;

/** A running STUN/TURN server. */
export interface RunningTurnServer {
  readonly core: TurnCore;
  /** the data plane relaying for it (`js` or `native`) */
  readonly plane: DataPlane;
  /** the DTLS server's counts, when DTLS is on */
  readonly dtls: { stats(): DtlsStats } | undefined;
  /** what is listening, e.g. `udp 127.0.0.1:3478` */
  readonly listeners: { protocol: string; ip: string; port: number }[];
  /** relay addresses and what is advertised for them */
  readonly relays: { ip: string; advertisedIp: string }[];
  /** relay ports held by allocations and reservations, and those found held by other processes */
  relayPorts(): { inUse: number; busy: number; reserved: number };
  /** the user database, when one is configured (admin pages, metrics) */
  readonly db: UserDatabase | undefined;
  /** the user database link's health and round-trip counts (metrics), when a database is configured */
  readonly dbHealth: DatabaseHealth | undefined;
  /** `redis-statsdb` and `fleet-redis` services (src/fleet/), when either is configured */
  readonly fleet: Fleet | undefined;
  /**
   * Subscribes to the core's events (`allocation-created`, `allocation-deleted`, `auth-failed`,
   * `request-refused`, …) as they happen; returns the unsubscribe function. Listeners must not throw.
   */
  onEvent(listener: (name: string, fields: Record<string, unknown>) => void): () => void;
  /**
   * A reload (SIGHUP): applies what can change live (see `config-diff.ts`) — users, secrets,
   * realm, peer policy, quotas, bandwidth, lifetimes, certificates — and reports what would
   * need a restart without applying it. Certificates are read again even when their paths
   * did not change. Throws `TurnpikeError` CONFIG_INVALID for a certificate that cannot be
   * used, having changed nothing.
   */
  reload(next: Config): Promise<ConfigChanges>;
  /** The configuration in force: the start-up one, with what reloads applied. */
  currentConfig(): Config;
  /** Recent authentication failures (not stale nonces), from one client address or all, since `sinceMs`. */
  recentAuthFailures(address: string | undefined, sinceMs: number): RecentAuthFailure[];
  /** SIGUSR2: the certificate and key files read again; throws as `reload` does. */
  reloadCertificates(): void;
  close(): Promise<void>;
}

/** Options the embedding program may set (tests inject a clock; databases pass a store). */
export interface StartOptions {
  logger: Logger;
  now?: () => number;
  store?: CredentialStore;
  /** an embedding program's peer permission hook (the library API's `permissionHandler`) */
  permitPeer?: PermissionHandler;
  /** the alternate servers' health checker (tests shorten its interval; `intervalMs: 0` turns it off) */
  alternateHealth?: AlternateHealthSettings;
}

/** Maps the coturn-style config onto the TURN core's own options. */
export function coreOptionsFrom(config: Config, relayFamilies: TurnCoreOptions['relayFamilies']): TurnCoreOptions {
  return {
    realm: config.realm,
    software: config.noSoftwareAttribute ? undefined : SOFTWARE,
    fingerprint: config.fingerprint,
    stunBackwardCompatibility: !config.noStunBackwardCompatibility,
    stunOnly: config.stunOnly,
    noStun: config.noStun,
    secureStun: config.secureStun,
    noAuth: config.noAuth,
    udpRelay: !config.noUdpRelay,
    tcpRelay: !config.noTcpRelay,
    allocationDefaultFamily: ({ ipv4: 'IPv4', ipv6: 'IPv6', keep: 'keep' } as const)[config.allocationDefaultAddressFamily],
    acmeRedirect: config.acmeRedirect,
    respondHttpUnsupported: config.respondHttpUnsupported,
    relayFamilies,
    defaultLifetime: 600,
    maxLifetime: config.maxAllocateLifetime,
    permissionLifetime: config.permissionLifetime,
    channelLifetime: config.channelLifetime,
    userQuota: config.userQuota,
    totalQuota: config.totalQuota,
    maxBps: config.maxBps,
    bpsCapacity: config.bpsCapacity,
    maxPermissionsPerAllocation: config.maxPermissionsPerAllocation,
    maxChannelsPerAllocation: config.maxChannelsPerAllocation,
    unauthenticatedRateLimit: config.unauthenticatedRateLimit,
    unauthenticatedBurst: config.unauthenticatedBurst,
    authenticatedSourceRateLimit: config.authenticatedSourceRateLimit,
    authenticatedSourceSeconds: config.authenticatedSourceSeconds,
    checkOriginConsistency: config.checkOriginConsistency,
    restApiSeparator: config.restApiSeparator,
    maxChannelNumber: config.rfc5766ChannelNumbers ? 0x7fff : 0x4fff,
    // RFC 8489 §9.2: SHA-256 and USERHASH offered to every client that reads the challenge.
    passwordAlgorithms: !config.noAuth,
    // RFC 7635 keys live in the user database: without one there is nothing to open tokens with.
    oauth: config.oauth && !config.noAuth && config.userDb !== undefined,
    oauthServerName: config.serverName,
    rfc5780: rfc5780Plan(config),
    mobility: config.mobility,
  };
}

/** The running server as the fleet services see it (src/fleet/host.ts). */
function fleetHost(core: TurnCore, plane: DataPlane, health: DatabaseHealth | undefined,
  listeners: Set<(name: string, fields: Record<string, unknown>) => void>, config: Config, relayIps: number, now: () => number): FleetHost {
  return {
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    allocations: () => core.allocations(),
    traffic(alloc) {
      const t = alloc.traffic;
      const p = plane.traffic?.(alloc.id);
      return p === undefined ? { ...t } : { rxPackets: t.rxPackets + p.rxPackets, rxBytes: t.rxBytes + p.rxBytes, txPackets: t.txPackets + p.txPackets, txBytes: t.txBytes + p.txBytes, dropped: t.dropped + p.dropped };
    },
    kill(id, why) {
      const alloc = core.allocations().find((a) => a.id === id);
      if (alloc !== undefined) core.deleteAllocation(alloc, now(), why);
      return alloc !== undefined;
    },
    load: () => ({ allocations: core.allocationCount, relayPortsInUse: plane.relayPorts().inUse, relayPortsTotal: (config.maxPort - config.minPort + 1) * relayIps }),
    database: () => (health === undefined ? 'none' : health.down ? 'down' : 'up'),
  };
}

/** Starts listeners and the relay for `config`. Throws TurnpikeError LISTEN_FAILED when a socket cannot be bound. */
export async function startTurnServer(config: Config, opts: StartOptions): Promise<RunningTurnServer> {
  const log = opts.logger;
  const now = opts.now ?? Date.now;
  const relayAddresses = resolveRelayAddresses(config);
  // Counted into the core's drop counters once the core exists (faults need the core to count).
  let countFault = (_reason: `fault-${FaultSite}`): void => {};
  const guard = new FaultGuard({
    count: (reason) => countFault(reason),
    log: (reason, fields) => log.error(reason, fields),
    now,
  });
  const credentials: ServerCredentials = opts.store
    ? { store: opts.store, realms: undefined, db: undefined, reconfigure: async () => opts.store!, close: async () => { await opts.store?.close?.(); } }
    : await openServerCredentials(config, log);
  let plane: DataPlane;
  try {
    plane = await createDataPlane(config, { relayAddresses, now, guard, log });
  } catch (err) {
    await credentials.close();
    throw err;
  }
  // redis-statsdb and fleet-redis: loaded only when configured (ioredis is not small).
  let fleet: Fleet | undefined;
  try {
    if (config.redisStatsDb !== undefined || config.fleetRedis !== undefined) fleet = await (await import('../fleet/index.ts')).openFleet(config, log);
  } catch (err) {
    await plane.close();
    await credentials.close();
    throw err;
  }
  const authFailures = new AuthFailureLog(log, now);
  const rfc5780 = rfc5780Plan(config) !== undefined;
  const cannot5780 = rfc5780Unavailable(config);
  if (cannot5780 !== undefined) log.warn('rfc5780-unavailable', { message: cannot5780 });
  // RFC 5780 answers leave from a sibling listener: the UDP transports by address.
  const udpByAddress = new Map<string, ClientTransport>();
  const eventListeners = new Set<(name: string, fields: Record<string, unknown>) => void>();
  // RFC 6062: TCP allocations (unless `no-tcp-relay`), never reaching the user database.
  const tcpRelay = config.noTcpRelay ? undefined : new TcpRelay({ relayAddresses, minPort: config.minPort, maxPort: config.maxPort, now, guard });
  const backends = await resolveBackendEndpoints(config);
  const output: CoreOutput = {
    tcp: tcpRelay,
    sendToPeer: (r, ip, port, data) => plane.sendToPeer(r, ip, port, data),
    // A fleet's quotas are checked in Redis while the Allocate waits for its sockets (src/fleet/quota.ts).
    openRelays: (a, req) => fleet === undefined
      ? plane.openRelays(a, req)
      : fleet.gate(a, a.pendingAllocate?.lifetime ?? 0, core.limitsOf(a.realm), () => plane.openRelays(a, req), () => core.relaysFailed(a, 486, now())),
    closeRelays: (a) => plane.closeRelays(a),
    upsert: (entry) => plane.upsert(entry),
    remove: (id) => plane.remove(id),
    udpTransportAt: (ip, port) => udpByAddress.get(`${ip}|${port}`),
    event: (name, fields) => {
      if (name === 'auth-failed') authFailures.record(fields);
      else log.log(name === 'peer-denied' || name === 'request-refused' ? 'debug' : 'info', name, fields);
      for (const listener of eventListeners) listener(name, fields);
    },
  };
  const core = new TurnCore(
    {
      options: coreOptionsFrom(config, [...new Set(relayAddresses.map((a) => a.family))]),
      nonces: createNonceService({
        secret: config.statelessNonceSecret ?? randomBytes(32),
        // A rotation: nonces signed under the earlier secrets stay good for one nonce lifetime.
        previousSecrets: config.statelessNoncePreviousSecrets,
        previousUntilMs: now() + (config.staleNonce > 0 ? config.staleNonce : 600) * 1000,
        // coturn's stale-nonce=0 means "never stale"; ten years is as good.
        staleNonceSeconds: config.staleNonce > 0 ? config.staleNonce : 315_360_000,
        // RFC 8489 §9.2: the nonce cookie's feature bits say what the challenge offers.
        passwordAlgorithms: !config.noAuth,
        usernameAnonymity: !config.noAuth,
      }),
      policy: createPeerPolicy(config),
      realms: credentials.realms,
      output,
      backends,
      randomBytes: pooledRandom(),
      tickets: config.mobility ? createTicketSealer() : undefined,
      alternates: alternateServersFrom(config),
    },
    now(),
  );
  countFault = (reason) => core.counters.drop(reason);
  const store = credentials.store;
  const ingress: Ingress = { core, store, now, guard, permitPeer: opts.permitPeer, tokens: credentials.tokens };
  plane.attach(core, ingress);
  if (tcpRelay !== undefined) tcpRelay.core = core;
  // Before any listener: no allocation may miss its statsdb record or its fleet quota lease.
  if (fleet !== undefined) await fleet.attach(fleetHost(core, plane, credentials.health, eventListeners, config, relayAddresses.length, now), SOFTWARE, now);
  const udp: UdpListening[] = [];
  const streams: StreamListener[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(streams.map((l) => l.close()));
    await plane.close();
    await tcpRelay?.close();
    await credentials.close();
    await fleet?.close();
  };
  const tlsOptions = config.noTls ? undefined : tlsServerOptions(config.tls);
  // DTLS (coturn's DTLS listeners): ingress hands it DTLS datagrams from every UDP listener.
  let dtls: ReturnType<typeof startDtls>;
  try {
    dtls = startDtls(config, ingress, log);
  } catch (err) {
    await closeAll();
    throw err;
  }
  // Loaded only with a certificate: OpenSSL's TLS state costs memory a plain server never uses.
  const tls = tlsOptions ? await import('node:tls') : undefined;
  // One context for every connection of the plain port: building one parses the certificate and key.
  const detectTls = tls && tlsOptions ? { context: tls.createSecureContext(tlsOptions), TLSSocket: tls.TLSSocket } : undefined;
  const tlsServers: import('node:tls').Server[] = [];
  let current = config;
  /** New certificates into every TLS listener; nothing changes when they cannot be read. */
  const applyCertificates = (tlsConfig: Config['tls']): void => {
    // DTLS's context is made first, put in use last: a certificate that cannot be used changes nothing.
    const useDtls = dtls?.prepareCertificates(tlsConfig);
    if (!tls || !detectTls) return useDtls?.();
    const next = tlsServerOptions(tlsConfig);
    if (next === undefined) return;
    const context = tls.createSecureContext(next);
    for (const s of tlsServers) s.setSecureContext(next);
    detectTls.context = context;
    useDtls?.();
  };
  try {
    for (const { ip, optional } of resolveListeningIps(config)) {
      try {
        // RFC 5780 §6: the alternate ports listen too, on every listening IP.
        for (const port of rfc5780 ? [config.listeningPort, altListeningPort(config)] : [config.listeningPort]) {
          if (!config.noUdp) {
            const listening = await plane.listenUdp(ip, port);
            udp.push(listening);
            if (listening.transports.length > 0) udpByAddress.set(`${ip}|${listening.localPort}`, listening.transports[0]);
          }
          if (!config.noTcp) streams.push(await listenStream(ingress, ip, port, undefined, detectTls));
        }
        const tlsPorts = rfc5780 ? [config.tlsListeningPort, altTlsListeningPort(config)] : [config.tlsListeningPort];
        if (tls && tlsOptions) {
          for (const port of tlsPorts) {
            const tlsServer = tls.createServer(tlsOptions);
            tlsServers.push(tlsServer);
            // A client that fails its handshake is counted and forgotten.
            tlsServer.on('tlsClientError', () => core.counters.drop('tls-handshake-failed'));
            streams.push(await listenStream(ingress, ip, port, tlsServer));
          }
        }
        // coturn serves DTLS on UDP beside TLS on TCP at tls-listening-port (and the alternate).
        for (const port of dtls && !config.noUdp ? dtlsPorts(config, rfc5780) : []) udp.push(await plane.listenUdp(ip, port));
        if (config.tcpProxyPort > 0) streams.push(await listenProxied(ingress, ip, config.tcpProxyPort, { detectTls }));
      } catch (err) {
        if (!optional) throw err;
        log.warn('listen-skipped', { ip, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    await listenAuxServers(config, plane, ingress, detectTls, udp, streams);
  } catch (err) {
    await closeAll();
    throw err;
  }
  const alternateHealth = startAlternateHealth(core.alternates, config, log, opts.alternateHealth);
  const timer = setInterval(guard.wrap('housekeeping', () => {
    const t = now();
    core.tick(t);
    plane.tick(t);
    tcpRelay?.tick(t);
    dtls?.tick(t);
  }), 1000);
  timer.unref();
  const listeners = [
    ...udp.map((l) => ({ protocol: 'udp', ip: l.localIp, port: l.localPort })),
    ...streams.map((l) => ({ protocol: l.protocol, ip: l.localIp, port: l.localPort })),
  ];
  return {
    core,
    plane,
    dtls,
    listeners,
    relays: relayAddresses.map((r) => ({ ip: r.ip, advertisedIp: r.advertisedIp })),
    relayPorts: () => {
      const udp = plane.relayPorts();
      const tcp = tcpRelay?.relayPorts();
      return tcp === undefined ? udp : { inUse: udp.inUse + tcp.inUse, busy: udp.busy + tcp.busy, reserved: udp.reserved };
    },
    db: credentials.db,
    dbHealth: credentials.health,
    fleet,
    async reload(next) {
      const changes = diffConfig(current, next);
      const merged = mergeLive(current, next);
      applyCertificates(merged.tls);
      if (changes.live.length > 0) {
        const policy = createPeerPolicy(merged);
        ingress.store = await credentials.reconfigure(merged);
        core.reconfigure(coreOptionsFrom(merged, [...new Set(relayAddresses.map((a) => a.family))]), policy, credentials.realms);
        log.setVerbosity?.(merged.log.verbose);
        current = merged;
      }
      return changes;
    },
    recentAuthFailures: (address, sinceMs) => authFailures.recent(address, sinceMs),
    currentConfig: () => current,
    reloadCertificates() {
      applyCertificates(current.tls);
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    close: async () => {
      clearInterval(timer);
      alternateHealth?.stop();
      dtls?.close();
      for (const alloc of core.allocations()) core.deleteAllocation(alloc, now(), 'shutdown');
      await closeAll();
    },
  };
}
