/**
 * STUN Binding (RFC 8489 §6.3, RFC 5389): XOR-MAPPED-ADDRESS of the client, MAPPED-ADDRESS
 * too for old clients, 420 for unknown comprehension-required attributes, and RFC 3489
 * requests without a magic cookie answered the classic way.
 */
import { parseIpAddress } from '../net/ip-parse.ts';
import { unknownComprehensionRequired } from '../stun/index.ts';
import { Attr, type AddressFamily, type DecodedStunMessage, type StunAttribute, type TransportAddress } from '../stun/types.ts';
import type { KeyLookup } from '../auth/credential-store.ts';
import { authenticate } from './authenticate.ts';
import type { ClientTransport } from './five-tuple.ts';
import { successResponse } from './responses.ts';
import type { CoreContext } from './core-context.ts';
import { withoutZone } from '../net/ip-parse.ts';

function familyOf(ip: string): AddressFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

/** RFC 8489 §6.3.1 Binding request. */
export function handleBinding(core: CoreContext, transport: ClientTransport, ip: string, port: number, req: DecodedStunMessage, lookup: KeyLookup | undefined, now: number): void {
  const opts = core.options;
  if (opts.noStun) return core.counters.drop('stun-disabled');
  core.counters.bindingRequests++;
  let key: Uint8Array | undefined;
  if (opts.secureStun) {
    const auth = authenticate(req, lookup, opts.realm, core.nonces, ip, now);
    if (!auth.ok) {
      core.counters.bindingErrors++;
      return core.rejectUnauthenticated(transport, ip, port, req, auth.code, now, auth.attrs);
    }
    key = auth.key;
    core.budgets.trust(ip, now);
  }
  const unknown = unknownComprehensionRequired(req);
  if (unknown.length > 0) {
    core.counters.bindingErrors++;
    return core.rejectUnauthenticated(transport, ip, port, req, 420, now, [{ type: Attr.UnknownAttributes, value: unknown }]);
  }
  // A link-local client's address may carry a zone id, which STUN cannot spell.
  const mapped: TransportAddress = { family: familyOf(ip), address: withoutZone(ip), port };
  const attrs: StunAttribute[] = [{ type: Attr.XorMappedAddress, value: mapped }];
  if (opts.stunBackwardCompatibility) attrs.push({ type: Attr.MappedAddress, value: mapped });
  core.counters.successResponses++;
  core.counters.bindingResponses++;
  transport.send(ip, port, successResponse(req, opts, attrs, { key }));
}

/**
 * RFC 3489 §11: a Binding request whose second word is not the magic cookie. The 16-byte
 * transaction id is echoed and the answer carries MAPPED-ADDRESS only.
 */
export function handleLegacyBinding(core: CoreContext, transport: ClientTransport, ip: string, port: number, raw: Uint8Array, now: number): void {
  const opts = core.options;
  if (!opts.stunBackwardCompatibility || opts.noStun || opts.secureStun) return core.counters.drop('legacy-stun-refused');
  if (raw.length < 20 || raw[0] !== 0x00 || raw[1] !== 0x01) return core.counters.drop('legacy-stun-not-binding');
  // A link-local client arrives with a zone id; the zone is ours, the 16 bytes are its address.
  const client = parseIpAddress(ip, { zone: true });
  // Socket layers only report addresses, so this is defensive: nothing to put in MAPPED-ADDRESS.
  if (client === undefined) return core.counters.drop('legacy-stun-refused');
  const v6 = client.family === 'IPv6';
  const attrLen = v6 ? 20 : 8;
  const out = Buffer.alloc(20 + 4 + attrLen);
  out.writeUInt16BE(0x0101, 0);
  out.writeUInt16BE(4 + attrLen, 2);
  out.set(raw.subarray(4, 20), 4);
  out.writeUInt16BE(Attr.MappedAddress, 20);
  out.writeUInt16BE(attrLen, 22);
  out[25] = v6 ? 2 : 1;
  out.writeUInt16BE(port, 26);
  out.set(client.bytes, 28);
  core.counters.successResponses++;
  core.sendUnauthenticated(transport, ip, port, out, now);
}
