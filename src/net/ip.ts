/**
 * IP addresses as numbers: every address, IPv4 or IPv6, is one 128-bit unsigned `bigint`,
 * with IPv4 held as its IPv4-mapped IPv6 address `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2), so
 * ranges and comparisons need one code path. Text is parsed strictly (see `ip-parse.ts`).
 */

import { parseIpInto } from './ip-parse.ts';

/** The family an address was written in (RFC 8489 §14.1 address families). */
export type IpFamily = 'IPv4' | 'IPv6';

/** The value of `::ffff:0.0.0.0`, where IPv4 addresses live in the 128-bit space (RFC 4291 §2.5.5.2). */
export const IPV4_MAPPED_BASE = 0xffff_0000_0000n;
/** The largest 128-bit address, `ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff`. */
export const IPV6_MAX = (1n << 128n) - 1n;

const words = new Uint32Array(4);

/**
 * Parses IPv4 or IPv6 text (RFC 4291 §2.2, including forms with an embedded dotted quad such
 * as `::ffff:1.2.3.4`) into its 128-bit value; IPv4 text gives the IPv4-mapped value.
 * Returns `undefined` for anything `node:net` would reject, and for zone ids (`fe80::1%eth0`),
 * which name an interface of this host and never a TURN peer.
 */
export function parseIp(text: string): { family: IpFamily; value: bigint } | undefined {
  const family = parseIpInto(text, words);
  if (family === undefined) return undefined;
  return { family, value: wordsToValue(words) };
}

/** Joins four big-endian 32-bit words into the 128-bit value they spell. */
export function wordsToValue(w: Uint32Array): bigint {
  return (BigInt(w[0]) << 96n) | (BigInt(w[1]) << 64n) | (BigInt(w[2]) << 32n) | BigInt(w[3]);
}

/**
 * Formats an address: IPv4 as a dotted quad (the value may be IPv4-mapped or a plain 32-bit
 * number), IPv6 in RFC 5952 canonical text (lower case, no leading zeros, the longest run of two
 * or more zero groups as `::`) with IPv4-mapped addresses as `::ffff:a.b.c.d` (RFC 5952 §5).
 * Throws `RangeError` for a value outside the family's space: that is a caller's bug.
 */
export function ipToString(family: IpFamily, value: bigint): string {
  if (family === 'IPv4') {
    let v4 = value;
    if (v4 >= IPV4_MAPPED_BASE && v4 <= IPV4_MAPPED_BASE + 0xffff_ffffn) v4 -= IPV4_MAPPED_BASE;
    if (v4 < 0n || v4 > 0xffff_ffffn) throw new RangeError(`not an IPv4 value: ${value}`);
    return ipv4ToString(Number(v4));
  }
  if (value < 0n || value > IPV6_MAX) throw new RangeError(`not an IPv6 value: ${value}`);
  return ipv6ToString(value);
}

/** Formats an unsigned 32-bit number as a dotted quad (RFC 791 text). */
export function ipv4ToString(v4: number): string {
  return `${v4 >>> 24}.${(v4 >>> 16) & 0xff}.${(v4 >>> 8) & 0xff}.${v4 & 0xff}`;
}

function ipv6ToString(value: bigint): string {
  if (value >> 32n === 0xffffn) return `::ffff:${ipv4ToString(Number(value & 0xffff_ffffn))}`;
  const g: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) g.push(Number((value >> shift) & 0xffffn));
  // RFC 5952 §4.2: compress the longest run of at least two zero groups, the first on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (part: number[]): string => part.map((n) => n.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLength))}`;
}
