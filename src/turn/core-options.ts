/**
 * What the TURN core needs to know of the configuration, in its own words. The server
 * wiring builds it from the coturn-style `Config`.
 */
import type { AddressFamily } from '../stun/types.ts';
import type { Rfc5780Plan } from './rfc5780.ts';

export interface TurnCoreOptions {
  realm: string;
  /** SOFTWARE text for responses to requests that carry SOFTWARE; undefined never sends it */
  software: string | undefined;
  /** add FINGERPRINT to every response (`fingerprint`); otherwise only when the request had one */
  fingerprint: boolean;
  /** answer RFC 3489 clients and add MAPPED-ADDRESS (off with `no-stun-backward-compatibility`) */
  stunBackwardCompatibility: boolean;
  /** `stun-only`: no TURN at all */
  stunOnly: boolean;
  /** `no-stun`: no Binding answers */
  noStun: boolean;
  /** `secure-stun`: Binding requests must be authenticated */
  secureStun: boolean;
  /** `no-auth`: TURN without credentials (explicitly configured) */
  noAuth: boolean;
  /** `no-udp-relay` turns this off */
  udpRelay: boolean;
  /** `no-tcp-relay` turns RFC 6062 TCP allocations off (false); they also need a TCP relay driver */
  tcpRelay?: boolean;
  /** `allocation-default-address-family`: the relay family of an Allocate that names none (RFC 8656 §7.2: IPv4); `keep`: the client's */
  allocationDefaultFamily?: AddressFamily | 'keep';
  /** `acme-redirect` and `respond-http-unsupported`: read by the stream listeners (server/http-on-turn-port.ts), never by the core */
  acmeRedirect?: string;
  respondHttpUnsupported?: boolean;
  /** families for which a relay address exists */
  relayFamilies: AddressFamily[];
  /** seconds (RFC 8656 §3.2: 600) */
  defaultLifetime: number;
  maxLifetime: number;
  permissionLifetime: number;
  channelLifetime: number;
  /** 0 = unlimited */
  userQuota: number;
  totalQuota: number;
  /** bytes per second per allocation; 0 = unlimited */
  maxBps: number;
  /** bytes per second for the whole server; 0 = unlimited */
  bpsCapacity: number;
  maxPermissionsPerAllocation: number;
  maxChannelsPerAllocation: number;
  /** unauthenticated answers per second per source IP; 0 = no limit */
  unauthenticatedRateLimit: number;
  /** unauthenticated answers one source IP may get at once */
  unauthenticatedBurst: number;
  /** unauthenticated answers per second (and at once) to a source IP that authenticated lately */
  authenticatedSourceRateLimit: number;
  /** how long, in seconds, an authentication lifts its source IP's budget */
  authenticatedSourceSeconds: number;
  /** `rest-api-separator`, to read REST user names when explaining a refusal */
  restApiSeparator: string;
  /** `check-origin-consistency`: every request on an allocation must carry the Allocate's ORIGIN (else 441) */
  checkOriginConsistency: boolean;
  /** highest channel number accepted: 0x4FFF (RFC 8656) or 0x7FFF (RFC 5766, `rfc5766-channel-numbers`) */
  maxChannelNumber: number;
  /**
   * RFC 8489 §9.2: challenges carry PASSWORD-ALGORITHMS (MD5, SHA-256); requests may choose
   * SHA-256 keys and name their user by USERHASH (the nonce service sets the matching bits)
   */
  passwordAlgorithms?: boolean;
  /** `oauth`: RFC 7635 access tokens are accepted and challenges carry THIRD-PARTY-AUTHORIZATION */
  oauth?: boolean;
  /** `server-name`: the THIRD-PARTY-AUTHORIZATION value and the tokens' AAD; default the realm */
  oauthServerName?: string;
  /** `mobility`: RFC 8016 MOBILITY-TICKETs issued and honoured (405 Mobility Forbidden otherwise) */
  mobility: boolean;
  /** `rfc5780` with two listening IPs of a family: the addresses NAT behaviour discovery answers from */
  rfc5780?: Rfc5780Plan;
}

/** Defaults matching coturn's (RFC 8656 lifetimes). */
export function defaultCoreOptions(): TurnCoreOptions {
  return {
    realm: 'turnpike',
    software: undefined,
    fingerprint: false,
    stunBackwardCompatibility: true,
    stunOnly: false,
    noStun: false,
    secureStun: false,
    noAuth: false,
    udpRelay: true,
    relayFamilies: ['IPv4'],
    defaultLifetime: 600,
    maxLifetime: 3600,
    permissionLifetime: 300,
    channelLifetime: 600,
    userQuota: 0,
    totalQuota: 0,
    maxBps: 0,
    bpsCapacity: 0,
    maxPermissionsPerAllocation: 64,
    maxChannelsPerAllocation: 64,
    unauthenticatedRateLimit: 20,
    unauthenticatedBurst: 100,
    authenticatedSourceRateLimit: 1000,
    authenticatedSourceSeconds: 300,
    maxChannelNumber: 0x4fff,
    mobility: false,
    checkOriginConsistency: false,
    restApiSeparator: ':',
  };
}
