/**
 * STUN Binding (RFC 8489 §6.3, RFC 5389): XOR-MAPPED-ADDRESS of the client, MAPPED-ADDRESS
 * too for old clients, 420 for unknown comprehension-required attributes, RFC 5780 NAT
 * behaviour discovery when configured (CHANGE-REQUEST, RESPONSE-PORT, PADDING answered,
 * RESPONSE-ORIGIN and OTHER-ADDRESS added), and RFC 3489 requests without a magic cookie
 * answered the classic way.
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
import { asksDiscovery, discoveryRequest, otherAddress, paddingLength, responseOrigin, type DiscoveryRequest, type ServerAddress } from './rfc5780.ts';

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
    const auth = authenticate(req, lookup, opts.realm, core.nonces, ip, now, opts);
    if (!auth.ok) {
      core.counters.bindingErrors++;
      return core.rejectUnauthenticated(transport, ip, port, req, auth.code, now, auth.attrs);
    }
    key = auth.key;
    core.budgets.trust(ip, now);
  }
  const unknown = unknownComprehensionRequired(req);
  const discovery = discoveryRequest(req);
  const other = opts.rfc5780 && otherAddress(opts.rfc5780, { ip: transport.localIp, port: transport.localPort });
  // CHANGE-REQUEST is comprehension-required (0x0003): a server that does not do NAT behaviour
  // discovery answers 420 when it asks for a change (RFC 8489 §7.3.1), which tells the client so.
  // An empty one is a plain Binding, as coturn answers it: some clients always send one.
  if (!other && (discovery.change.changeIp || discovery.change.changePort)) unknown.push(Attr.ChangeRequest);
  if (unknown.length > 0) {
    core.counters.bindingErrors++;
    return core.rejectUnauthenticated(transport, ip, port, req, 420, now, [{ type: Attr.UnknownAttributes, value: unknown }]);
  }
  // A link-local client's address may carry a zone id, which STUN cannot spell.
  const mapped: TransportAddress = { family: familyOf(ip), address: withoutZone(ip), port };
  const attrs: StunAttribute[] = [{ type: Attr.XorMappedAddress, value: mapped }];
  if (opts.stunBackwardCompatibility) attrs.push({ type: Attr.MappedAddress, value: mapped });
  if (other) return answerDiscovery(core, transport, ip, port, req, attrs, discovery, other, key, now);
  core.counters.successResponses++;
  core.counters.bindingResponses++;
  transport.send(ip, port, successResponse(req, opts, attrs, { key }));
}

/** Why an RFC 5780 request cannot be answered as asked (RFC 5780 §6.1), or undefined. */
function discoveryRefusal(transport: ClientTransport, d: DiscoveryRequest): string | undefined {
  // PADDING to another port would aim enlarged answers at a port that never asked for them.
  if (d.padding && d.responsePort !== undefined) return 'PADDING and RESPONSE-PORT together';
  // Over a stream the answer can only go back on the connection it came in on.
  if (transport.protocol !== 'udp' && asksDiscovery(d)) return 'CHANGE-REQUEST, RESPONSE-PORT and PADDING are for UDP only';
  return undefined;
}

/**
 * RFC 5780 §6.1: the answer carries RESPONSE-ORIGIN and OTHER-ADDRESS, leaves from the
 * address CHANGE-REQUEST picks, goes to RESPONSE-PORT on the client's own IP (never another
 * IP), and is padded no larger than the request. Every answer is spent from the source IP's
 * unauthenticated budget.
 */
function answerDiscovery(core: CoreContext, transport: ClientTransport, ip: string, port: number, req: DecodedStunMessage, attrs: StunAttribute[], d: DiscoveryRequest, other: ServerAddress, key: Uint8Array | undefined, now: number): void {
  const refusal = discoveryRefusal(transport, d);
  if (refusal !== undefined) {
    core.counters.bindingErrors++;
    return core.rejectUnauthenticated(transport, ip, port, req, 400, now, [], refusal);
  }
  const local = { ip: transport.localIp, port: transport.localPort };
  const origin = responseOrigin(local, other, d.change);
  const from = origin.ip === local.ip && origin.port === local.port ? transport : core.output.udpTransportAt?.(origin.ip, origin.port);
  if (from === undefined) return core.counters.drop('rfc5780-no-listener');
  attrs.push({ type: Attr.ResponseOrigin, value: { family: familyOf(origin.ip), address: origin.ip, port: origin.port } });
  attrs.push({ type: Attr.OtherAddress, value: { family: familyOf(other.ip), address: other.ip, port: other.port } });
  let answer = successResponse(req, core.options, [...attrs], { key });
  if (d.padding) {
    const pad = paddingLength(req.raw.length, answer.length);
    if (pad > 0) answer = successResponse(req, core.options, [...attrs, { type: Attr.Padding, value: new Uint8Array(pad) }], { key });
  }
  core.counters.successResponses++;
  core.counters.bindingResponses++;
  // Two more addresses make even a plain answer 3.4× its request (5.8× over IPv6): all of them
  // pass the budget while RFC 5780 is on.
  core.sendUnauthenticated(from, ip, d.responsePort ?? port, answer, now);
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
