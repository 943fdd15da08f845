/**
 * Server wiring, the TURN core's part: a checked `Config` becomes the core's options, its
 * nonce service (RFC 8489 §9.2), its output (the data plane, the RFC 6062 TCP relay, the
 * fleet's quota gate, the event listeners) and the core itself.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/types.ts';
import type { Logger } from '../log/logger.ts';
import { createNonceService, type NonceService } from '../auth/nonce.ts';
import type { DataPlane } from '../dataplane/types.ts';
import type { Fleet } from '../fleet/index.ts';
import { pooledRandom } from '../net/random-pool.ts';
import type { BackendEndpoints } from '../turn/backend-endpoints.ts';
import type { TurnCoreOptions } from '../turn/core-options.ts';
import type { CoreOutput } from '../turn/core-output.ts';
import type { FleetRedirect } from '../turn/fleet-redirect.ts';
import type { ClientTransport } from '../turn/five-tuple.ts';
import { createPeerPolicy } from '../turn/peer-policy.ts';
import type { RelayAddress } from '../turn/relay-plan.ts';
import { TurnCore } from '../turn/turn-core.ts';
import type { AuthFailureLog } from './auth-failure-log.ts';
import type { ServerCredentials } from './credentials.ts';
import { alternateServersFrom } from './load-balancing.ts';
import { createTicketSealer } from './mobility-tickets.ts';
import { rfc5780Plan } from './rfc5780-plan.ts';
import type { TcpRelay } from './tcp-relay.ts';

/** A listener of the core's events (`allocation-created`, `auth-failed`, …). */
export type EventListener = (name: string, fields: Record<string, unknown>) => void;

/** Maps the coturn-style config onto the TURN core's own options. */
export function coreOptionsFrom(config: Config, relayFamilies: TurnCoreOptions['relayFamilies'], software: string | undefined): TurnCoreOptions {
  return {
    realm: config.realm,
    software: config.noSoftwareAttribute ? undefined : software,
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

/** The relay address families, once each. */
export function relayFamilies(relayAddresses: readonly RelayAddress[]): TurnCoreOptions['relayFamilies'] {
  return [...new Set(relayAddresses.map((a) => a.family))];
}

/** RFC 8489 §9.2: the nonce service of `config` (a shared `stateless-nonce-secret` lets a fleet accept each other's nonces). */
function nonceServiceFrom(config: Config, now: () => number): NonceService {
  return createNonceService({
    secret: config.statelessNonceSecret ?? randomBytes(32),
    // A rotation: nonces signed under the earlier secrets stay good for one nonce lifetime.
    previousSecrets: config.statelessNoncePreviousSecrets,
    previousUntilMs: now() + (config.staleNonce > 0 ? config.staleNonce : 600) * 1000,
    // coturn's stale-nonce=0 means "never stale"; ten years is as good.
    staleNonceSeconds: config.staleNonce > 0 ? config.staleNonce : 315_360_000,
    // RFC 8489 §9.2: the nonce cookie's feature bits say what the challenge offers.
    passwordAlgorithms: !config.noAuth,
    usernameAnonymity: !config.noAuth,
  });
}

/** What the core's output and the core are made of. */
export interface CoreParts {
  config: Config;
  log: Logger;
  now: () => number;
  software: string;
  relayAddresses: readonly RelayAddress[];
  credentials: ServerCredentials;
  plane: DataPlane;
  tcpRelay: TcpRelay | undefined;
  fleet: Fleet | undefined;
  backends: BackendEndpoints;
  authFailures: AuthFailureLog;
  /** RFC 5780 answers leave from a sibling listener: the UDP transports by `ip|port`, filled as listeners open */
  udpByAddress: ReadonlyMap<string, ClientTransport>;
  eventListeners: ReadonlySet<EventListener>;
  fleetRedirect: FleetRedirect | undefined;
}

/** The core's way out to the data plane, the TCP relay, the fleet and the event listeners. */
function coreOutput(p: CoreParts, core: () => TurnCore): CoreOutput {
  const { plane, fleet, log } = p;
  return {
    tcp: p.tcpRelay,
    sendToPeer: (r, ip, port, data) => plane.sendToPeer(r, ip, port, data),
    // A fleet's quotas are checked in Redis while the Allocate waits for its sockets (src/fleet/quota.ts).
    openRelays: (a, req) => fleet === undefined
      ? plane.openRelays(a, req)
      : fleet.gate(a, a.pendingAllocate?.lifetime ?? 0, core().limitsOf(a.realm), () => plane.openRelays(a, req), () => core().relaysFailed(a, 486, p.now())),
    closeRelays: (a) => plane.closeRelays(a),
    upsert: (entry) => plane.upsert(entry),
    remove: (id) => plane.remove(id),
    udpTransportAt: (ip, port) => p.udpByAddress.get(`${ip}|${port}`),
    event: (name, fields) => {
      if (name === 'auth-failed') p.authFailures.record(fields);
      else log.log(name === 'peer-denied' || name === 'request-refused' ? 'debug' : 'info', name, fields);
      for (const listener of p.eventListeners) listener(name, fields);
    },
  };
}

/** The TURN core for `p.config`, its output wired. */
export function createCore(p: CoreParts): TurnCore {
  const { config, now } = p;
  const core: TurnCore = new TurnCore(
    {
      options: coreOptionsFrom(config, relayFamilies(p.relayAddresses), p.software),
      nonces: nonceServiceFrom(config, now),
      policy: createPeerPolicy(config),
      realms: p.credentials.realms,
      output: coreOutput(p, () => core),
      backends: p.backends,
      randomBytes: pooledRandom(),
      tickets: config.mobility ? createTicketSealer() : undefined,
      alternates: alternateServersFrom(config),
      fleetRedirect: p.fleetRedirect,
    },
    now(),
  );
  return core;
}
