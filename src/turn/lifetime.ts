/**
 * RFC 8656 §7.2 and §7.3: the lifetime an Allocate or Refresh gets — the default when the
 * request names none, never below the default, never above `max-allocate-lifetime`.
 */
import { getAttribute } from '../stun/index.ts';
import { Attr, type StunMessage } from '../stun/types.ts';
import type { TurnCoreOptions } from './core-options.ts';

/** Seconds granted for a LIFETIME request (0 stays 0: a Refresh that deletes). */
export function grantedLifetime(req: StunMessage, opts: TurnCoreOptions): number {
  const asked = getAttribute(req, Attr.Lifetime);
  if (asked === undefined) return Math.min(opts.defaultLifetime, opts.maxLifetime);
  if (asked === 0) return 0;
  return Math.min(Math.max(asked, opts.defaultLifetime), opts.maxLifetime);
}
