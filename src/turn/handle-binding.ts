/**
 * STUN Binding (RFC 8489 §6.3, RFC 5389): XOR-MAPPED-ADDRESS of the client, MAPPED-ADDRESS
 * too for old clients, 420 for unknown comprehension-required attributes, and RFC 3489
 * requests without a magic cookie answered the classic way.
 */
import { unknownComprehensionRequired } from '../stun/index.ts';
import { Attr, type AddressFamily, type DecodedStunMessage, type StunAttribute, type TransportAddress } from '../stun/types.ts';
import type { KeyLookup } from '../auth/credential-store.ts';
import { authenticate } from './authenticate.ts';
import type { ClientTransport } from './five-tuple.ts';
import { successResponse } from './responses.ts';
import type { TurnCore } from './turn-core.ts';

function familyOf(ip: string): AddressFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

/** RFC 8489 §6.3.1 Binding request. */
export function handleBinding(core: TurnCore, transport: ClientTransport, ip: string, port: number, req: DecodedStunMessage, lookup: KeyLookup | undefined, now: number): void {
  const opts = core.options;
  if (opts.noStun) return core.counters.drop('stun-disabled');
  let key: Uint8Array | undefined;
  if (opts.secureStun) {
    const auth = authenticate(req, lookup, opts.realm, core.nonces, ip, now);
    if (!auth.ok) return core.rejectUnauthenticated(transport, ip, port, req, auth.code, now, auth.attrs);
    key = auth.key;
    core.sourceBudgets.trust(ip, now);
  }
  const unknown = unknownComprehensionRequired(req);
  if (unknown.length > 0) {
    return core.rejectUnauthenticated(transport, ip, port, req, 420, now, [{ type: Attr.UnknownAttributes, value: unknown }]);
  }
  const mapped: TransportAddress = { family: familyOf(ip), address: ip, port };
  const attrs: StunAttribute[] = [{ type: Attr.XorMappedAddress, value: mapped }];
  if (opts.stunBackwardCompatibility) attrs.push({ type: Attr.MappedAddress, value: mapped });
  core.counters.successResponses++;
  transport.send(ip, port, successResponse(req, opts, attrs, { key }));
}

/**
 * RFC 3489 §11: a Binding request whose second word is not the magic cookie. The 16-byte
 * transaction id is echoed and the answer carries MAPPED-ADDRESS only.
 */
export function handleLegacyBinding(core: TurnCore, transport: ClientTransport, ip: string, port: number, raw: Uint8Array, now: number): void {
  const opts = core.options;
  if (!opts.stunBackwardCompatibility || opts.noStun || opts.secureStun) return core.counters.drop('legacy-stun-refused');
  if (raw.length < 20 || raw[0] !== 0x00 || raw[1] !== 0x01) return core.counters.drop('legacy-stun-not-binding');
  const v6 = ip.includes(':');
  const attrLen = v6 ? 20 : 8;
  const out = Buffer.alloc(20 + 4 + attrLen);
  out.writeUInt16BE(0x0101, 0);
  out.writeUInt16BE(4 + attrLen, 2);
  out.set(raw.subarray(4, 20), 4);
  out.writeUInt16BE(Attr.MappedAddress, 20);
  out.writeUInt16BE(attrLen, 22);
  out[25] = v6 ? 2 : 1;
  out.writeUInt16BE(port, 26);
  if (v6) {
    // Legacy clients are IPv4 in practice; an IPv6 one gets its address in full.
    const groups = expandIpv6(ip);
    for (let i = 0; i < 8; i++) out.writeUInt16BE(groups[i], 28 + i * 2);
  } else {
    const parts = ip.split('.');
    for (let i = 0; i < 4; i++) out[28 + i] = Number(parts[i]);
  }
  core.counters.successResponses++;
  core.sendUnauthenticated(transport, ip, port, out, now);
}

function expandIpv6(ip: string): number[] {
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => parseInt(g, 16) || 0);
}

