/**
 * Every reason the server counts a datagram, frame or request as dropped or refused: a closed
 * set of short stable names, so counters stay bounded and can be metric labels. Composite
 * reasons are built from closed sets of their own (decode failures, packet kinds, peer
 * refusals, authentication failures, answer codes, fault sites).
 */
import { DECODE_ERROR_REASONS, PACKET_KINDS } from '../stun/index.ts';
import { FAULT_SITES } from '../log/fault-guard.ts';
import { PeerRefusal } from './peer-policy-rules.ts';

/** Why a request's credentials were not accepted (RFC 8489 §9.2.4), or why none could be looked up. */
export const AUTH_FAILURES = [
  'no-credentials',
  'missing-username-realm-or-nonce',
  'stale-nonce',
  'invalid-nonce',
  'wrong-realm',
  'unknown-user',
  'bad-integrity',
  'rest-expired',
  'rest-milliseconds',
  'rest-malformed',
  'database-unavailable',
] as const;
export type AuthFailure = (typeof AUTH_FAILURES)[number];

/** The error codes a request is refused with after it authenticated (RFC 8656 §7–§12, §18.9). */
export const REFUSAL_CODES = [400, 403, 420, 437, 440, 441, 442, 443, 486, 508] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** Single-word reasons, each counted where the decision is made. */
export const SIMPLE_DROP_REASONS = [
  // client datagrams that are not for TURN, or not whole
  'stun-too-short',
  'response-from-client',
  'unexpected-indication',
  'stun-disabled',
  'legacy-stun-refused',
  'legacy-stun-not-binding',
  // ChannelData from clients (RFC 8656 §12.4)
  'channel-data-no-allocation',
  'channel-data-malformed',
  'channel-not-bound',
  'channel-data-no-permission',
  'channel-data-too-large-for-peer',
  // Send indications (§11.2)
  'send-no-allocation',
  'send-malformed',
  'send-no-permission',
  'send-too-large-for-peer',
  'no-relay-for-family',
  // peer datagrams (§11.3, §12.6)
  'peer-data-inactive-allocation',
  'peer-data-no-permission',
  'peer-data-too-large-for-data-indication',
  'peer-data-too-large-for-channel',
  // budgets
  'max-bps',
  'bps-capacity',
  'unauthenticated-rate-limit',
  'unauthenticated-table-full',
  // credentials and relay ports
  'credential-store-error',
  'relay-port-held-elsewhere',
  // sockets
  'udp-socket-error',
  'stream-garbage',
  'stream-idle-timeout',
  'stream-backlog-full',
  'stream-socket-error',
  'stream-server-error',
  'tls-handshake-failed',
] as const;

/** Why something was dropped or refused: the closed set. */
export type DropReason =
  | (typeof SIMPLE_DROP_REASONS)[number]
  | `auth-${AuthFailure}`
  | `refused-${RefusalCode}`
  | `peer-denied-${(typeof PeerRefusal)[keyof typeof PeerRefusal]}`
  | `stun-${(typeof DECODE_ERROR_REASONS)[number]}`
  | `not-turn-${(typeof PACKET_KINDS)[number]}`
  | `fault-${(typeof FAULT_SITES)[number]}`;

/** Every drop reason, for metrics that list their labels up front and for tests. */
export const ALL_DROP_REASONS: readonly DropReason[] = [
  ...SIMPLE_DROP_REASONS,
  ...AUTH_FAILURES.map((r) => `auth-${r}` as const),
  ...REFUSAL_CODES.map((c) => `refused-${c}` as const),
  ...Object.values(PeerRefusal).map((r) => `peer-denied-${r}` as const),
  ...DECODE_ERROR_REASONS.map((r) => `stun-${r}` as const),
  ...PACKET_KINDS.map((k) => `not-turn-${k}` as const),
  ...FAULT_SITES.map((s) => `fault-${s}` as const),
];
