/**
 * IP addresses as numbers: every address, IPv4 or IPv6, is one 128-bit unsigned `bigint`,
 * with IPv4 held as its IPv4-mapped IPv6 address `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2), so
 * ranges and comparisons need one code path. Text goes through the one parser (`ip-parse.ts`)
 * and the one formatter (`ip-format.ts`); this module only converts bytes to numbers and back.
 */

import { formatIp } from './ip-format.ts';
import { parseIpInto, type IpFamily } from './ip-parse.ts';

export type { IpFamily } from './ip-parse.ts';

/** The value of `::ffff:0.0.0.0`, where IPv4 addresses live in the 128-bit space (RFC 4291 §2.5.5.2). */
export const IPV4_MAPPED_BASE = 0xffff_0000_0000n;
/** The largest 128-bit address, `ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff`. */
export const IPV6_MAX = (1n << 128n) - 1n;

/** Scratch for one parse or format; safe because both are synchronous. */
const scratch = new Uint8Array(16);
const scratchWords = new Uint32Array(4);

/**
 * Parses IP text into four big-endian 32-bit words of its 128-bit value (`out[0]` most
 * significant), IPv4 text as its IPv4-mapped address. Returns the family the text was written
 * in, or `undefined` (leaving `out` unspecified) when `parseIpInto` refuses the text, zone ids
 * included. Allocates nothing: the peer policy calls it per packet.
 */
export function parseIpWords(text: string, out: Uint32Array): IpFamily | undefined {
  const family = parseIpInto(text, scratch);
  if (family === 'IPv4') {
    out[0] = 0;
    out[1] = 0;
    out[2] = 0xffff;
    out[3] = word(scratch, 0);
  } else if (family === 'IPv6') {
    for (let i = 0; i < 4; i++) out[i] = word(scratch, 4 * i);
  }
  return family;
}

/**
 * Parses IPv4 or IPv6 text (RFC 4291 §2.2, including forms with an embedded dotted quad such
 * as `::ffff:1.2.3.4`) into its 128-bit value; IPv4 text gives the IPv4-mapped value.
 * Returns `undefined` for anything `parseIpInto` refuses, zone ids (`fe80::1%eth0`) included:
 * they name an interface of this host and never a TURN peer.
 */
export function parseIp(text: string): { family: IpFamily; value: bigint } | undefined {
  const family = parseIpWords(text, scratchWords);
  if (family === undefined) return undefined;
  return { family, value: wordsToValue(scratchWords) };
}

/** Joins four big-endian 32-bit words into the 128-bit value they spell. */
export function wordsToValue(w: Uint32Array): bigint {
  return (BigInt(w[0]) << 96n) | (BigInt(w[1]) << 64n) | (BigInt(w[2]) << 32n) | BigInt(w[3]);
}

/**
 * Formats an address with `formatIp`: IPv4 as a dotted quad (the value may be IPv4-mapped or a
 * plain 32-bit number), IPv6 in RFC 5952 text. Throws `RangeError` for a value outside the
 * family's space: that is a caller's bug.
 */
export function ipToString(family: IpFamily, value: bigint): string {
  if (family === 'IPv4') {
    let v4 = value;
    if (v4 >= IPV4_MAPPED_BASE && v4 <= IPV4_MAPPED_BASE + 0xffff_ffffn) v4 -= IPV4_MAPPED_BASE;
    if (v4 < 0n || v4 > 0xffff_ffffn) throw new RangeError(`not an IPv4 value: ${value}`);
    writeWord(scratch, 0, Number(v4));
    return formatIp('IPv4', scratch);
  }
  if (value < 0n || value > IPV6_MAX) throw new RangeError(`not an IPv6 value: ${value}`);
  for (let i = 0; i < 4; i++) writeWord(scratch, 4 * i, Number((value >> BigInt(96 - 32 * i)) & 0xffff_ffffn));
  return formatIp('IPv6', scratch);
}

function word(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

function writeWord(bytes: Uint8Array, at: number, v: number): void {
  bytes[at] = v >>> 24;
  bytes[at + 1] = (v >>> 16) & 0xff;
  bytes[at + 2] = (v >>> 8) & 0xff;
  bytes[at + 3] = v & 0xff;
}
