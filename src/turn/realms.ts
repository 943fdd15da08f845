/**
 * Realms (RFC 8489 §9.2): which realm a request belongs to, and what each realm allows. One
 * realm comes from `realm=`; a user database may add more, reached through the ORIGIN
 * attribute (coturn's origin-to-realm table), each with its own `max-bps`, `user-quota`,
 * `total-quota` and peer ranges. The core asks; it never waits: a database-backed directory
 * answers from a snapshot it refreshes in the background.
 */
import type { PeerPolicy } from './peer-policy.ts';

export { canonicalOrigin } from '../net/origin.ts';

/** What one realm allows; 0 = unlimited. */
export interface RealmLimits {
  /** bytes per second per allocation */
  maxBps: number;
  /** allocations per user of the realm */
  userQuota: number;
  /** allocations in the realm */
  totalQuota: number;
}

/** The core's view of realms. */
export interface RealmDirectory {
  /** the realm sent to clients that name no known ORIGIN */
  readonly defaultRealm: string;
  /** The realm of a request: the realm its ORIGIN maps to, else the default realm. */
  realmOf(origin: string | undefined): string;
  /** The limits of a realm (the configured ones for the default realm and unknown realms). */
  limits(realm: string): RealmLimits;
  /** The peer policy of a realm: the configured policy, plus the realm's own refusals. */
  policy(realm: string): PeerPolicy;
}

/** One realm, the configured limits and policy: a server without a user database. */
export function fixedRealms(realm: string, limits: RealmLimits, policy: PeerPolicy): RealmDirectory {
  const frozen = Object.freeze({ ...limits });
  return {
    defaultRealm: realm,
    realmOf: () => realm,
    limits: () => frozen,
    policy: () => policy,
  };
}
