/**
 * What to do before a credential store is asked for a request's key (the store may be a
 * database, RFC 8489 §9.2.4 leaves where keys live to the server):
 *
 * - a request on an allocation that names the allocation's user and realm is checked against
 *   the key that made the allocation: no look-up (coturn keeps a session's key the same way),
 *   so Refresh, CreatePermission and ChannelBind go on through a database outage;
 * - a request whose nonce or realm would fail anyway needs no look-up: its 438 or 401 is
 *   decided without one, so a flood of forged requests costs the database nothing.
 */
import { getAttribute } from '../stun/index.ts';
import { Attr, type DecodedStunMessage } from '../stun/types.ts';
import type { KeyLookup } from '../auth/credential-store.ts';
import type { CoreContext } from './core-context.ts';
import type { ClientTransport } from './five-tuple.ts';
import { requestOrigin } from './handle-request.ts';

/** The key to use, `lookup` to ask the store, or `skip` to decide without a key. */
export type PrecheckOutcome = KeyLookup | 'lookup' | 'skip';

/** See the module comment. `msg` carries USERNAME and MESSAGE-INTEGRITY. */
export function precheckCredentials(core: CoreContext, transport: ClientTransport, ip: string, port: number, msg: DecodedStunMessage, now: number): PrecheckOutcome {
  const username = getAttribute(msg, Attr.Username);
  const realm = getAttribute(msg, Attr.Realm);
  const nonce = getAttribute(msg, Attr.Nonce);
  if (username === undefined || realm === undefined || nonce === undefined) return 'skip';
  const alloc = core.allocations.find(transport, ip, port);
  const expectedRealm = alloc?.realm ?? core.realms.realmOf(requestOrigin(msg));
  if (realm !== expectedRealm) return 'skip';
  if (core.nonces.check(nonce, ip, now) !== 'valid') return 'skip';
  if (alloc !== undefined && alloc.username === username && alloc.key.byteLength > 0) return { keys: [alloc.key] };
  return 'lookup';
}
