/**
 * RFC 5780 NAT behaviour discovery, the server's side, as pure functions of the listening
 * addresses: which (IP, port) an answer leaves from when CHANGE-REQUEST asks (§7.2), what
 * OTHER-ADDRESS says (§7.4), and how long a PADDING attribute may be (§7.6). The server
 * wiring builds the plan from `listening-ip` and the port pairs; the core only reads it.
 */
import type { ChangeRequestValue, DecodedStunMessage } from '../stun/types.ts';
import { Attr } from '../stun/types.ts';
import { getAttribute } from '../stun/index.ts';

/** The addresses RFC 5780 answers may leave from. */
export interface Rfc5780Plan {
  /**
   * Listening IPs in configuration order. An IP's alternate is the next IP of its family,
   * wrapping around; a family with a single IP has none (RFC 5780 §6: two addresses needed).
   */
  ips: readonly string[];
  /** (primary, alternate) port pairs: listening-port ↔ alt-listening-port, TLS ↔ alt TLS */
  ports: readonly (readonly [number, number])[];
}

/** A server transport address. */
export interface ServerAddress {
  ip: string;
  port: number;
}

function familyOf(ip: string): 4 | 6 {
  return ip.includes(':') ? 6 : 4;
}

/** The other listening IP of `ip`'s family, or undefined when it has none. */
export function alternateIp(plan: Rfc5780Plan, ip: string): string | undefined {
  const same = plan.ips.filter((candidate) => familyOf(candidate) === familyOf(ip));
  const at = same.indexOf(ip);
  if (at < 0 || same.length < 2) return undefined;
  return same[(at + 1) % same.length];
}

/** The port paired with `port` (either way round), or undefined for a port outside the plan. */
export function alternatePort(plan: Rfc5780Plan, port: number): number | undefined {
  for (const [primary, alternate] of plan.ports) {
    if (port === primary) return alternate;
    if (port === alternate) return primary;
  }
  return undefined;
}

/** RFC 5780 §7.4 OTHER-ADDRESS of a listening address: alternate IP and alternate port. */
export function otherAddress(plan: Rfc5780Plan, local: ServerAddress): ServerAddress | undefined {
  const ip = alternateIp(plan, local.ip);
  const port = alternatePort(plan, local.port);
  return ip === undefined || port === undefined ? undefined : { ip, port };
}

/** RFC 5780 §6.1: where the answer to CHANGE-REQUEST `change` leaves from, given OTHER-ADDRESS. */
export function responseOrigin(local: ServerAddress, other: ServerAddress, change: ChangeRequestValue): ServerAddress {
  return { ip: change.changeIp ? other.ip : local.ip, port: change.changePort ? other.port : local.port };
}

/** What a Binding request asks of RFC 5780 (§7.2, §7.5, §7.6). */
export interface DiscoveryRequest {
  change: ChangeRequestValue;
  /** RESPONSE-PORT, when present */
  responsePort: number | undefined;
  /** PADDING present */
  padding: boolean;
}

/** Reads CHANGE-REQUEST, RESPONSE-PORT and PADDING out of a Binding request. */
export function discoveryRequest(req: DecodedStunMessage): DiscoveryRequest {
  return {
    change: getAttribute(req, Attr.ChangeRequest) ?? { changeIp: false, changePort: false },
    responsePort: getAttribute(req, Attr.ResponsePort),
    padding: getAttribute(req, Attr.Padding) !== undefined,
  };
}

/** True when the request asks for anything beyond a plain Binding answer. */
export function asksDiscovery(d: DiscoveryRequest): boolean {
  return d.change.changeIp || d.change.changePort || d.responsePort !== undefined || d.padding;
}

/**
 * Bytes of PADDING value an answer of `answerLength` bytes may carry. RFC 5780 §7.6 asks for
 * the outgoing MTU; Turnpike pads only up to the request's own size, so padding never makes
 * an answer larger than what asked for it (a padded request of 1500 bytes still gets 1500).
 * A multiple of 4 (STUN attributes are 32-bit aligned), 0 when not even an empty one fits.
 */
export function paddingLength(requestLength: number, answerLength: number): number {
  const room = requestLength - answerLength - 4;
  return room <= 0 ? 0 : room - (room % 4);
}
