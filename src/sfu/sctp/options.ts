/**
 * Options, states, results and counters of an SCTP association, with the defaults: RFC 9260
 * §16 protocol parameters except RTO.Min, lowered to 200 ms for data channels.
 */
import type { SendOptions } from './retransmit.ts';

export type { SendOptions };

/** Association states (RFC 9260 §4). */
export type AssociationState =
  | 'closed'
  | 'cookie-wait'
  | 'cookie-echoed'
  | 'established'
  | 'shutdown-pending'
  | 'shutdown-sent'
  | 'shutdown-received'
  | 'shutdown-ack-sent';

/** What the upper layer is told. */
export type PublicState = 'connecting' | 'established' | 'closed';

export interface SctpOptions {
  localPort?: number;
  remotePort?: number;
  /** Largest user message accepted or sent (a=max-message-size, RFC 8841 §6). */
  maxMessageSize?: number;
  /** Largest SCTP packet, headroom for DTLS left out. */
  mtu?: number;
  random: (n: number) => Uint8Array;
  /** Advertised receiver window and reassembly budget. */
  receiveWindow?: number;
  rtoInitialMs?: number;
  rtoMinMs?: number;
  rtoMaxMs?: number;
  /** Max.Init.Retransmits (RFC 9260 §16). */
  maxInitRetransmits?: number;
  /** Association.Max.Retrans (RFC 9260 §16). */
  maxAssociationRetransmits?: number;
  cookieLifetimeMs?: number;
  delayedSackMs?: number;
}

export type SendResult = { ok: true } | { ok: false; reason: 'not-established' | 'too-large' | 'empty' | 'stream-resetting' };

/** Counters for metrics. */
export interface SctpCounters {
  packetsIn: number;
  packetsOut: number;
  badChecksum: number;
  badTag: number;
  malformed: number;
  badCookie: number;
  staleCookie: number;
  outOfTheBlue: number;
  /** chunks of a type this end does not know (RFC 9260 §3.2), skipped or ending their packet */
  unrecognizedChunks: number;
  retransmissions: number;
  fastRetransmits: number;
  t3Expiries: number;
  abandonedMessages: number;
  oversizedMessages: number;
  droppedChunks: number;
  duplicateTsns: number;
}

export type ResolvedOptions = Required<SctpOptions>;

export function resolveOptions(opts: SctpOptions): ResolvedOptions {
  return {
    localPort: 5000,
    remotePort: 5000,
    maxMessageSize: 262144,
    mtu: 1191,
    receiveWindow: 1024 * 1024,
    rtoInitialMs: 1000,
    rtoMinMs: 200,
    rtoMaxMs: 60000,
    maxInitRetransmits: 8,
    maxAssociationRetransmits: 10,
    cookieLifetimeMs: 60000,
    delayedSackMs: 200,
    ...opts,
  };
}

/** The association's own counters with its sender's and receiver's (zero before they exist). */
export function sctpCounters(
  own: Omit<SctpCounters, 'retransmissions' | 'fastRetransmits' | 't3Expiries' | 'abandonedMessages' | 'oversizedMessages' | 'droppedChunks' | 'duplicateTsns'>,
  sender: { retransmissions: number; fastRetransmits: number; t3Expiries: number; abandonedMessages: number } | undefined,
  receiver: { oversizedMessages: number; droppedChunks: number; duplicateTsns: number } | undefined,
): SctpCounters {
  return {
    ...own,
    retransmissions: sender?.retransmissions ?? 0,
    fastRetransmits: sender?.fastRetransmits ?? 0,
    t3Expiries: sender?.t3Expiries ?? 0,
    abandonedMessages: sender?.abandonedMessages ?? 0,
    oversizedMessages: receiver?.oversizedMessages ?? 0,
    droppedChunks: receiver?.droppedChunks ?? 0,
    duplicateTsns: receiver?.duplicateTsns ?? 0,
  };
}
