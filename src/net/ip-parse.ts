/**
 * The allocation-free IP text parser behind `parseIp` and the TURN peer policy's hot path.
 *
 * It accepts exactly what `node:net`'s `isIP` accepts, minus zone ids: dotted-quad IPv4
 * (RFC 791 text, four decimal parts 0-255, no leading zeros, no shorthand such as `127.1`)
 * and RFC 4291 §2.2 IPv6 text (1-4 hex digits a group, either case, at most one `::`, an
 * optional dotted-quad tail). No regular expressions: it walks character codes once.
 */

import type { IpFamily } from './ip.ts';

/** The longest valid text: six 4-digit groups and a 15-character dotted quad (RFC 4291 §2.2 form 3). */
const MAX_TEXT_LENGTH = 45;

const CHAR_0 = 0x30;
const CHAR_9 = 0x39;
const CHAR_DOT = 0x2e;
const CHAR_COLON = 0x3a;

/** Scratch for the 16-bit groups of one IPv6 parse; safe because parsing is synchronous. */
const groups = new Uint16Array(8);

/**
 * Parses IP text into four big-endian 32-bit words of the 128-bit address (`out[0]` most
 * significant). IPv4 is written as its IPv4-mapped address `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2).
 * Returns the family the text was written in, or `undefined` (leaving `out` unspecified) when
 * the text is not an address, including any zone id (`fe80::1%eth0`).
 */
export function parseIpInto(text: string, out: Uint32Array): IpFamily | undefined {
  const length = text.length;
  if (length === 0 || length > MAX_TEXT_LENGTH) return undefined;
  if (text.indexOf(':') < 0) {
    const v4 = parseIpv4Text(text, 0, length);
    if (v4 < 0) return undefined;
    out[0] = 0;
    out[1] = 0;
    out[2] = 0xffff;
    out[3] = v4;
    return 'IPv4';
  }
  if (!parseIpv6Groups(text, length)) return undefined;
  out[0] = ((groups[0] << 16) | groups[1]) >>> 0;
  out[1] = ((groups[2] << 16) | groups[3]) >>> 0;
  out[2] = ((groups[4] << 16) | groups[5]) >>> 0;
  out[3] = ((groups[6] << 16) | groups[7]) >>> 0;
  return 'IPv6';
}

/**
 * Parses a strict dotted quad in `text[start, end)` into an unsigned 32-bit number, or -1.
 * Leading zeros are refused because some resolvers read them as octal (`010` = 8; RFC 6943 §3.1.1).
 */
export function parseIpv4Text(text: string, start: number, end: number): number {
  let value = 0;
  let parts = 0;
  let i = start;
  while (parts < 4) {
    const partStart = i;
    let part = 0;
    while (i < end && i - partStart < 3) {
      const c = text.charCodeAt(i);
      if (c < CHAR_0 || c > CHAR_9) break;
      part = part * 10 + (c - CHAR_0);
      i++;
    }
    const digits = i - partStart;
    if (digits === 0 || part > 255) return -1;
    if (digits > 1 && text.charCodeAt(partStart) === CHAR_0) return -1;
    value = value * 256 + part;
    parts++;
    if (parts < 4) {
      if (i >= end || text.charCodeAt(i) !== CHAR_DOT) return -1;
      i++;
    }
  }
  return i === end ? value : -1;
}

/** The value of one hex digit, or -1. */
function hexDigit(c: number): number {
  if (c >= CHAR_0 && c <= CHAR_9) return c - CHAR_0;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Fills `groups` from RFC 4291 §2.2 text; false when the text is not an IPv6 address. */
function parseIpv6Groups(text: string, length: number): boolean {
  let count = 0;
  // Index in `groups` where `::` stands, or -1 when the text has none.
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === CHAR_COLON) {
    if (text.charCodeAt(1) !== CHAR_COLON) return false;
    gap = 0;
    i = 2;
  }
  while (i < length) {
    const groupStart = i;
    let group = 0;
    while (i < length && i - groupStart < 4) {
      const digit = hexDigit(text.charCodeAt(i));
      if (digit < 0) break;
      group = group * 16 + digit;
      i++;
    }
    if (i === groupStart) return false;
    if (i < length && text.charCodeAt(i) === CHAR_DOT) {
      // A dotted-quad tail fills the last two groups and must end the text.
      if (count > 6) return false;
      const v4 = parseIpv4Text(text, groupStart, length);
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    if (count === 8) return false;
    groups[count++] = group;
    if (i === length) break;
    if (text.charCodeAt(i) !== CHAR_COLON) return false;
    i++;
    if (i < length && text.charCodeAt(i) === CHAR_COLON) {
      if (gap >= 0) return false;
      gap = count;
      i++;
    } else if (i === length) {
      // A single trailing colon promises a group that never comes.
      return false;
    }
  }
  if (gap < 0) return count === 8;
  // `::` stands for at least one zero group.
  if (count > 7) return false;
  const zeros = 8 - count;
  for (let k = count - 1; k >= gap; k--) groups[k + zeros] = groups[k];
  for (let k = gap; k < gap + zeros; k++) groups[k] = 0;
  return true;
}
