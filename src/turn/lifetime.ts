/**
 * RFC 8656 §7.2 and §7.3: the lifetime an Allocate or Refresh gets — the default when the
 * request names none, never below the default, never above `max-allocate-lifetime`.
 */
import { getAttribute } from '../stun/index.ts';
import { Attr, type StunMessage } from '../stun/types.ts';
import type { TurnCoreOptions } from './core-options.ts';

/**
 * Seconds granted for a LIFETIME request (0 stays 0: a Refresh that deletes). With an access
 * token's end (`tokenExpiresAt`, ms), never past it, as coturn caps a session at its token's
 * lifetime (RFC 7635 §6.2); at least one second, so a Refresh at the end is not a deletion.
 */
export function grantedLifetime(req: StunMessage, opts: TurnCoreOptions, now = 0, tokenExpiresAt?: number): number {
  const asked = getAttribute(req, Attr.Lifetime);
  if (asked === 0) return 0;
  const granted = asked === undefined ? Math.min(opts.defaultLifetime, opts.maxLifetime) : Math.min(Math.max(asked, opts.defaultLifetime), opts.maxLifetime);
  if (tokenExpiresAt === undefined) return granted;
  return Math.max(1, Math.min(granted, Math.floor((tokenExpiresAt - now) / 1000)));
}
