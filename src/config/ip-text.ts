/**
 * Small helpers to check the IP addresses and ranges written in configuration
 * (`external-ip`, `allowed-peer-ip`, `denied-peer-ip`): family, numeric value, CIDR to range.
 */

import { isIP } from 'node:net';

/** 4 or 6 for an IP literal without a zone id (RFC 4007 §11), else 0. */
export function ipFamily(text: string): 0 | 4 | 6 {
  if (text.includes('%')) return 0;
  const family = isIP(text);
  return family === 4 || family === 6 ? family : 0;
}

/** The numeric value of a valid IP literal (check with `ipFamily` first), for ordering ranges. */
export function ipValue(text: string): bigint {
  if (ipFamily(text) === 4) return ipv4Value(text);
  let v6 = text;
  const lastColon = v6.lastIndexOf(':');
  const tail = v6.slice(lastColon + 1);
  // An embedded dotted quad (RFC 4291 §2.2 form 3) stands for the last two 16-bit groups.
  if (tail.includes('.')) {
    const v4 = ipv4Value(tail);
    v6 = `${v6.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const groups = (part: string): bigint[] => (part ? part.split(':').map((g) => BigInt(parseInt(g, 16))) : []);
  let words: bigint[];
  const gap = v6.indexOf('::');
  if (gap < 0) {
    words = groups(v6);
  } else {
    const left = groups(v6.slice(0, gap));
    const right = groups(v6.slice(gap + 2));
    words = [...left, ...new Array<bigint>(8 - left.length - right.length).fill(0n), ...right];
  }
  return words.reduce((acc, w) => (acc << 16n) | w, 0n);
}

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** Writes a numeric address back as text: a dotted quad, or RFC 5952 §4 canonical IPv6. */
export function ipText(family: 4 | 6, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  }
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  // RFC 5952 §4.2: the longest run of two or more zero groups (the first if tied) becomes '::'.
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

/**
 * For `a.b.c.d/n` or `x::/n`, the equivalent `first-last` range that coturn's syntax wants;
 * undefined when the text is not CIDR notation.
 */
export function cidrAsRange(text: string): string | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const base = text.slice(0, slash);
  const bitsText = text.slice(slash + 1);
  const family = ipFamily(base);
  const width = family === 4 ? 32 : 128;
  if (family === 0 || !/^\d{1,3}$/.test(bitsText) || Number(bitsText) > width) return undefined;
  const hostBits = BigInt(width - Number(bitsText));
  const hostMask = (1n << hostBits) - 1n;
  const first = ipValue(base) & ~hostMask;
  return `${ipText(family, first)}-${ipText(family, first | hostMask)}`;
}
