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
  // RFC 8489 §9.2.4: PASSWORD-ALGORITHMS differs from the offer (400); SHA-256 chosen for a user with an MD5 key only (401)
  'password-algorithm-mismatch',
  'password-algorithm-unavailable',
  // RFC 7635: no oauth_key row for the kid, a token that does not open, a token past its lifetime
  'oauth-unknown-kid',
  'oauth-bad-token',
  'oauth-token-expired',
] as const;
export type AuthFailure = (typeof AUTH_FAILURES)[number];

/** The error codes a request is refused with after it authenticated (RFC 8656 §7–§12, §18.9). */
export const REFUSAL_CODES = [400, 403, 405, 420, 437, 440, 441, 442, 443, 446, 447, 486, 508] as const;
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
  // peers (§9.1, RFC 6062 §5.2): the server's own user database
  'peer-is-backend',
  // RFC 6062 TCP relay: Connect failures, inbound peers refused, bind timeouts
  'tcp-connect-failed',
  'tcp-peer-no-permission',
  'tcp-peer-denied',
  'tcp-peer-duplicate',
  'tcp-bind-timeout',
  'send-on-tcp-allocation',
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
  // a client's requests queued behind one whose credentials are being looked up, past the bound
  'credential-wait-full',
  'relay-port-held-elsewhere',
  // sockets
  'udp-socket-error',
  'stream-garbage',
  'stream-idle-timeout',
  'stream-backlog-full',
  'stream-socket-error',
  'stream-server-error',
  'tls-handshake-failed',
  // DTLS client transports (RFC 6347; src/server/dtls-server.ts)
  'dtls-malformed',
  'dtls-no-session',
  'dtls-cookie-refused',
  'dtls-half-open-limit',
  'dtls-half-open-per-ip-limit',
  'dtls-session-limit',
  'dtls-handshake-failed',
  'dtls-handshake-timeout',
  'dtls-idle-timeout',
  'dtls-closed-by-client',
  'dtls-not-ready',
  // RFC 5780: no listener at the address CHANGE-REQUEST picked
  'rfc5780-no-listener',
  // tcp-proxy-port connections without a valid PROXY protocol header, or too slow to send one
  'proxy-header-invalid',
  'proxy-header-timeout',
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
