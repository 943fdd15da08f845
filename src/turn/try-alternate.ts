/**
 * RFC 8489 §10, RFC 8656 §7.2: an Allocate answered with 300 Try Alternate and the
 * ALTERNATE-SERVER to use instead (see `alternate-servers.ts` for which one; then, on a loaded
 * fleet member, `fleet-redirect.ts`). As coturn does,
 * this happens before authentication: the answer is unsigned (the client has no key for this
 * server yet, and clients such as libwebrtc do not ask for one), carries only ERROR-CODE and
 * ALTERNATE-SERVER (with SOFTWARE and FINGERPRINT as any answer), and counts against the
 * source's budget of unauthenticated answers like a 401.
 */
import type { DecodedStunMessage } from '../stun/types.ts';
import { Attr } from '../stun/types.ts';
import type { CoreContext } from './core-context.ts';
import type { ClientTransport } from './five-tuple.ts';

/** Redirects an Allocate when a rotation or the fleet names a server for it; false when it is served here. */
export function tryAlternate(core: CoreContext, transport: ClientTransport, ip: string, port: number, req: DecodedStunMessage, now: number): boolean {
  const target = core.alternates?.redirect(transport.protocol, transport.localIp, transport.localPort)
    ?? core.fleetRedirect?.redirect(transport.protocol, transport.localIp, transport.localPort, core.allocations.size);
  if (target === undefined) return false;
  const family = target.ip.includes(':') ? 'IPv6' : 'IPv4';
  core.counters.tryAlternates++;
  core.rejectUnauthenticated(transport, ip, port, req, 300, now, [{ type: Attr.AlternateServer, value: { family, address: target.ip, port: target.port } }]);
  return true;
}
