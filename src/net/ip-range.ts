/**
 * Inclusive address ranges in coturn's `allowed-peer-ip` / `denied-peer-ip` syntax: `ip` or
 * `ip1-ip2`, used to open or close holes in the TURN peer policy (RFC 8656 §21).
 */

import { parseIp } from './ip.ts';

/** An inclusive range of 128-bit values (IPv4 as IPv4-mapped, see `parseIp`), with its text as written. */
export interface IpRange {
  from: bigint;
  to: bigint;
  text: string;
}

/**
 * Parses `ip` or `ip1-ip2`: both ends IPv4 or both IPv6 as written, first end not above the
 * last, no spaces. Returns `undefined` for anything else, so the configuration layer can say
 * which line is wrong.
 */
export function parseIpRange(text: string): IpRange | undefined {
  const dash = text.indexOf('-');
  if (dash < 0) {
    const ip = parseIp(text);
    return ip === undefined ? undefined : { from: ip.value, to: ip.value, text };
  }
  const first = parseIp(text.slice(0, dash));
  const last = parseIp(text.slice(dash + 1));
  if (first === undefined || last === undefined) return undefined;
  if (first.family !== last.family || first.value > last.value) return undefined;
  return { from: first.value, to: last.value, text };
}
