/**
 * What to do before a credential store is asked for a request's key (the store may be a
 * database, RFC 8489 §9.2.4 leaves where keys live to the server):
 *
 * - a request on an allocation that names the allocation's user and realm is checked against
 *   the key that made the allocation: no look-up (coturn keeps a session's key the same way),
 *   so Refresh, CreatePermission and ChannelBind go on through a database outage (USERHASH
 *   names the user as well as USERNAME; a request bringing a new access token is looked up);
 * - a request whose nonce or realm would fail anyway needs no look-up: its 438 or 401 is
 *   decided without one, so a flood of forged requests costs the database nothing.
 */
import { getAttribute } from '../stun/index.ts';
import { Attr, type DecodedStunMessage } from '../stun/types.ts';
import type { KeyLookup } from '../auth/credential-store.ts';
import type { CoreContext } from './core-context.ts';
import type { ClientTransport } from './five-tuple.ts';
import { requestOrigin } from './handle-request.ts';
import { userhashOf } from '../auth/password-algorithms.ts';

/** The key to use, `lookup` to ask the store, or `skip` to decide without a key. */
export type PrecheckOutcome = KeyLookup | 'lookup' | 'skip';

/** See the module comment. `msg` carries USERNAME and MESSAGE-INTEGRITY. */
export function precheckCredentials(core: CoreContext, transport: ClientTransport, ip: string, port: number, msg: DecodedStunMessage, now: number): PrecheckOutcome {
  const username = getAttribute(msg, Attr.Username);
  const userhash = getAttribute(msg, Attr.Userhash);
  const realm = getAttribute(msg, Attr.Realm);
  const nonce = getAttribute(msg, Attr.Nonce);
  if ((username === undefined && userhash === undefined) || realm === undefined || nonce === undefined) return 'skip';
  const alloc = core.allocations.find(transport, ip, port);
  const expectedRealm = alloc?.realm ?? core.realms.realmOf(requestOrigin(msg));
  // A token's allocation takes any REALM: it may live in its key's realm (handle-request.ts).
  if (realm !== expectedRealm && alloc?.oauth !== true) return 'skip';
  if (core.nonces.check(nonce, ip, now) !== 'valid') return 'skip';
  // RFC 7635 §6.2: a new access token is opened, not checked against the allocation's key.
  if (core.options.oauth === true && getAttribute(msg, Attr.AccessToken) !== undefined) return 'lookup';
  if (alloc === undefined || alloc.key.byteLength === 0) return 'lookup';
  // An access token's allocation answers to whichever kid its latest token came under.
  const sameUser = alloc.oauth || (username !== undefined ? alloc.username === username : userhash !== undefined && userhashOf(alloc.username, alloc.realm).equals(userhash));
  // The allocation's key serves whichever password algorithm made it (RFC 8489 §9.2.4).
  if (sameUser) return { keys: [alloc.key], sha256Keys: [alloc.key], username: username ?? alloc.username, ...(alloc.oauth ? { oauth: true } : {}) };
  return 'lookup';
}
