/**
 * The one IP text formatter of Turnpike: address bytes to canonical text. IPv4 is a dotted
 * quad; IPv6 follows RFC 5952 §4 (lower case, no leading zeros, the longest run of two or more
 * zero groups written `::`, the first such run on a tie) and §5 (an address under a well-known
 * IPv4-embedding prefix of RFC 4291 ends in dotted decimal: `::ffff:192.0.2.1`).
 *
 * For §5 it writes exactly what Node's sockets write (`rinfo.address`, libuv's inet_ntop): the
 * IPv4-mapped `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2) and the deprecated IPv4-compatible
 * `::a.b.c.d` (§2.5.5.1, not `::` or `::1`) in dotted form, everything else in hex. The TURN
 * core keys permissions and channels by peer address text, so an address decoded from
 * XOR-PEER-ADDRESS must be spelled as the relay socket spells the same peer.
 */

import { parseIpAddress, type IpFamily } from './ip-parse.ts';

/**
 * Canonical text of the address at `bytes[offset]`: 4 bytes for `IPv4`, 16 for `IPv6`
 * (RFC 5952 §4 and §5, see the module comment).
 */
export function formatIp(family: IpFamily, bytes: Uint8Array, offset = 0): string {
  if (family === 'IPv4') return dottedQuad(bytes, offset);
  // The longest run of zero groups, the first one on a tie (RFC 5952 §4.2.3).
  let bestStart = -1;
  let bestLength = 0;
  let runStart = -1;
  for (let g = 0; g <= 8; g++) {
    if (g < 8 && bytes[offset + 2 * g] === 0 && bytes[offset + 2 * g + 1] === 0) {
      if (runStart < 0) runStart = g;
    } else if (runStart >= 0) {
      if (g - runStart > bestLength) {
        bestStart = runStart;
        bestLength = g - runStart;
      }
      runStart = -1;
    }
  }
  // A single zero group stays "0": "::" for one group saves nothing (RFC 5952 §4.2.2).
  if (bestLength < 2) bestStart = -1;
  if (bestStart === 0 && bestLength === 6) return `::${dottedQuad(bytes, offset + 12)}`;
  if (isIpv4Mapped(bytes, offset)) return `::ffff:${dottedQuad(bytes, offset + 12)}`;
  let text = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      text += '::';
      g += bestLength - 1;
      continue;
    }
    if (text.length > 0 && !text.endsWith(':')) text += ':';
    text += ((bytes[offset + 2 * g] << 8) | bytes[offset + 2 * g + 1]).toString(16);
  }
  return text;
}

/** True when the 16 bytes at `offset` are an IPv4-mapped address `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2). */
export function isIpv4Mapped(bytes: Uint8Array, offset = 0): boolean {
  for (let i = 0; i < 10; i++) if (bytes[offset + i] !== 0) return false;
  return bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff;
}

/**
 * Parses an IP address text and returns its family and canonical text, or `undefined` when it
 * is not an address. Zone ids are refused: a STUN address cannot carry one.
 */
export function canonicalIp(text: string): { family: IpFamily; address: string } | undefined {
  const ip = parseIpAddress(text);
  return ip === undefined ? undefined : { family: ip.family, address: formatIp(ip.family, ip.bytes) };
}

function dottedQuad(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}
