/**
 * Server wiring: a checked `Config` becomes a credential store, a data plane, the fleet
 * services, the TURN core (core-setup.ts), DTLS, TLS and the listeners (listeners.ts), the
 * alternate servers' health checker and the housekeeping tick — started in that order, and
 * stopped again by `close()`. A reload goes through live-config.ts.
 */
import type { Config } from '../config/types.ts';
import type { CredentialStore } from '../auth/credential-store.ts';
import type { PermissionHandler } from '../auth/hook-credential-store.ts';
import type { UserDatabase } from '../db/types.ts';
import type { DatabaseHealth } from '../db/health.ts';
import { openServerCredentials, type ServerCredentials } from './credentials.ts';
import type { Logger } from '../log/logger.ts';
import type { TurnCore } from '../turn/turn-core.ts';
import type { RelayAddress } from '../turn/relay-plan.ts';
import type { Ingress } from './ingress.ts';
import { resolveRelayAddresses } from './addresses.ts';
import { TcpRelay } from './tcp-relay.ts';
import { resolveBackendEndpoints } from './backend-endpoints.ts';
import { rfc5780Unavailable } from './rfc5780-plan.ts';
import type { ClientTransport } from '../turn/five-tuple.ts';
import { createDataPlane } from '../dataplane/index.ts';
import type { DataPlane } from '../dataplane/types.ts';
import { tlsServerOptions } from './tls-context.ts';
import { startDtls } from './dtls-setup.ts';
import type { DtlsServer, DtlsStats } from './dtls-server.ts';
import type { ConfigChanges } from './config-diff.ts';
import { AuthFailureLog, type RecentAuthFailure } from './auth-failure-log.ts';
import { FaultGuard, type FaultSite } from '../log/fault-guard.ts';
import { startAlternateHealth, type AlternateHealthSettings } from './load-balancing.ts';
import type { Fleet } from '../fleet/index.ts';
import { createCore, type EventListener } from './core-setup.ts';
import { fleetHost, fleetRedirectFrom, openConfiguredFleet } from './fleet-wiring.ts';
import { listenersOf, openListeners, type Listening } from './listeners.ts';
import { prepareTls, type TlsListening } from './tls-listening.ts';
import { liveConfig } from './live-config.ts';

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

/** What the server stands on before the core: credentials, the data plane, the fleet services. */
interface Foundations {
  credentials: ServerCredentials;
  plane: DataPlane;
  fleet: Fleet | undefined;
}

/** Opens the credentials, the data plane and the fleet services in turn; what opened is closed again when one fails. */
async function openFoundations(config: Config, opts: StartOptions, relayAddresses: RelayAddress[], guard: FaultGuard, now: () => number): Promise<Foundations> {
  const log = opts.logger;
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
  try {
    return { credentials, plane, fleet: await openConfiguredFleet(config, log) };
  } catch (err) {
    await plane.close();
    await credentials.close();
    throw err;
  }
}

/** DTLS, TLS and every listener; `closeAll` runs before a failure is thrown on. */
async function openNetwork(config: Config, core: TurnCore, plane: DataPlane, ingress: Ingress, log: Logger,
  udpByAddress: Map<string, ClientTransport>, closeAll: () => Promise<void>): Promise<{ dtls: DtlsServer | undefined; tls: TlsListening; listening: Listening }> {
  const listening: Listening = { udp: [], streams: [] };
  try {
    const tlsOptions = config.noTls ? undefined : tlsServerOptions(config.tls);
    // DTLS (coturn's DTLS listeners): ingress hands it DTLS datagrams from every UDP listener.
    const dtls = startDtls(config, ingress, log);
    const tls = await prepareTls(tlsOptions, dtls);
    await openListeners({ config, plane, ingress, core, tls, dtls: dtls !== undefined, log, udpByAddress }, listening);
    return { dtls, tls, listening };
  } catch (err) {
    await Promise.all(listening.streams.map((l) => l.close()));
    await closeAll();
    throw err;
  }
}

/** The once-a-second tick of the core, the data plane, the TCP relay and DTLS (expiries, budgets, retransmissions). */
function startHousekeeping(guard: FaultGuard, now: () => number, tickers: readonly ({ tick(now: number): void } | undefined)[]): NodeJS.Timeout {
  const timer = setInterval(guard.wrap('housekeeping', () => {
    const t = now();
    for (const ticker of tickers) ticker?.tick(t);
  }), 1000);
  timer.unref();
  return timer;
}

/** Relay ports in use over UDP (the data plane) and TCP (RFC 6062). */
function relayPortsOf(plane: DataPlane, tcpRelay: TcpRelay | undefined): { inUse: number; busy: number; reserved: number } {
  const udp = plane.relayPorts();
  const tcp = tcpRelay?.relayPorts();
  return tcp === undefined ? udp : { inUse: udp.inUse + tcp.inUse, busy: udp.busy + tcp.busy, reserved: udp.reserved };
}

/** Starts listeners and the relay for `config`. Throws TurnpikeError LISTEN_FAILED when a socket cannot be bound. */
export async function startTurnServer(config: Config, opts: StartOptions): Promise<RunningTurnServer> {
  const log = opts.logger;
  const now = opts.now ?? Date.now;
  const relayAddresses = resolveRelayAddresses(config);
  // Counted into the core's drop counters once the core exists (faults need the core to count).
  let countFault = (_reason: `fault-${FaultSite}`): void => {};
  const guard = new FaultGuard({ count: (reason) => countFault(reason), log: (reason, fields) => log.error(reason, fields), now });
  const { credentials, plane, fleet } = await openFoundations(config, opts, relayAddresses, guard, now);
  const authFailures = new AuthFailureLog(log, now);
  const cannot5780 = rfc5780Unavailable(config);
  if (cannot5780 !== undefined) log.warn('rfc5780-unavailable', { message: cannot5780 });
  const udpByAddress = new Map<string, ClientTransport>();
  const eventListeners = new Set<EventListener>();
  // RFC 6062: TCP allocations (unless `no-tcp-relay`), never reaching the user database.
  const tcpRelay = config.noTcpRelay ? undefined : new TcpRelay({ relayAddresses, minPort: config.minPort, maxPort: config.maxPort, now, guard });
  const core = createCore({
    config, log, now, software: SOFTWARE, relayAddresses, credentials, plane, tcpRelay, fleet, authFailures, udpByAddress, eventListeners,
    backends: await resolveBackendEndpoints(config), fleetRedirect: fleetRedirectFrom(config, log),
  });
  countFault = (reason) => core.counters.drop(reason);
  const ingress: Ingress = { core, store: credentials.store, now, guard, permitPeer: opts.permitPeer, tokens: credentials.tokens };
  plane.attach(core, ingress);
  if (tcpRelay !== undefined) tcpRelay.core = core;
  // Before any listener: no allocation may miss its statsdb record or its fleet quota lease.
  const host = fleetHost({ core, plane, health: credentials.health, listeners: eventListeners, config, relayIps: relayAddresses.length, now });
  if (fleet !== undefined) await fleet.attach(host, SOFTWARE, now);
  const closeAll = async (): Promise<void> => {
    await plane.close();
    await tcpRelay?.close();
    await credentials.close();
    await fleet?.close();
  };
  const { dtls, tls, listening } = await openNetwork(config, core, plane, ingress, log, udpByAddress, closeAll);
  const alternateHealth = startAlternateHealth(core.alternates, config, log, opts.alternateHealth);
  const timer = startHousekeeping(guard, now, [core, plane, tcpRelay, dtls]);
  const live = liveConfig({ config, log, software: SOFTWARE, core, ingress, credentials, relayAddresses, tls });
  return {
    core,
    plane,
    dtls,
    listeners: listenersOf(listening),
    relays: relayAddresses.map((r) => ({ ip: r.ip, advertisedIp: r.advertisedIp })),
    relayPorts: () => relayPortsOf(plane, tcpRelay),
    db: credentials.db,
    dbHealth: credentials.health,
    fleet,
    reload: (next) => live.reload(next),
    recentAuthFailures: (address, sinceMs) => authFailures.recent(address, sinceMs),
    currentConfig: () => live.current(),
    reloadCertificates: () => live.reloadCertificates(),
    onEvent: (listener) => host.onEvent(listener),
    close: async () => {
      clearInterval(timer);
      alternateHealth?.stop();
      dtls?.close();
      for (const alloc of core.allocations()) core.deleteAllocation(alloc, now(), 'shutdown');
      await Promise.all(listening.streams.map((l) => l.close()));
      await closeAll();
    },
  };
}
