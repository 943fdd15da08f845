/**
 * Config-layer views of the one IP parser (`net/ip-parse.ts`) for the addresses and ranges
 * written in configuration (`external-ip`, `allowed-peer-ip`, `denied-peer-ip`): the family as
 * coturn's checks want it, and the `first-last` range a CIDR stands for.
 */

import { ipToString, parseIp } from '../net/ip.ts';
import { parseIpAddress } from '../net/ip-parse.ts';

/** 4 or 6 for an IP literal without a zone id (RFC 4007 §11), else 0. */
export function ipFamily(text: string): 0 | 4 | 6 {
  const ip = parseIpAddress(text);
  return ip === undefined ? 0 : ip.family === 'IPv4' ? 4 : 6;
}

/**
 * For `a.b.c.d/n` or `x::/n`, the equivalent `first-last` range that coturn's syntax wants,
 * both ends in canonical text; undefined when the text is not CIDR notation.
 */
export function cidrAsRange(text: string): string | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const base = parseIp(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  const width = base?.family === 'IPv4' ? 32 : 128;
  if (base === undefined || !/^\d{1,3}$/.test(bitsText) || Number(bitsText) > width) return undefined;
  // IPv4 sits in the low 32 bits of its mapped value, so masking host bits works the same.
  const hostMask = (1n << BigInt(width - Number(bitsText))) - 1n;
  const first = base.value & ~hostMask;
  return `${ipToString(base.family, first)}-${ipToString(base.family, first | hostMask)}`;
}
