/**
 * IP address text ⇄ bytes, in the canonical text form the rest of Turnpike compares with:
 * dotted quad for IPv4 and RFC 5952 §4 compressed lower case for IPv6, with the IPv4-mapped
 * (and IPv4-compatible) forms written in mixed notation as RFC 5952 §5 recommends. That is
 * exactly the text Node's sockets report (`rinfo.address`), so a peer address decoded from
 * XOR-PEER-ADDRESS and one seen on a socket compare equal as strings.
 */
import { isIP } from 'node:net';
import type { AddressFamily, TransportAddress } from './types.ts';

/**
 * Writes the four bytes of a dotted-quad IPv4 text at `off`; false (nothing useful written)
 * unless the text is exactly four decimal numbers 0–255 without leading zeros.
 */
export function parseIpv4Into(text: string, out: Uint8Array, off: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return false;
      out[off + part] = value;
      part++;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      // "01" is rejected: some parsers read a leading zero as octal, so it is ambiguous.
      if (digits > 0 && value === 0) return false;
      value = value * 10 + (c - 0x30);
      digits++;
      if (value > 255) return false;
    } else {
      return false;
    }
  }
  return part === 4;
}

/** Parses one hex group of an IPv6 text (1–4 hex digits); -1 if malformed. */
function hexGroup(text: string): number {
  if (text.length === 0 || text.length > 4) return -1;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20;
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}

/** Appends the 16-bit groups of one side of a "::" to `groups`; false if malformed. */
function collectGroups(text: string, groups: number[], allowIpv4Tail: boolean): boolean {
  if (text.length === 0) return true;
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (allowIpv4Tail && i === parts.length - 1 && p.includes('.')) {
      const v4 = new Uint8Array(4);
      if (!parseIpv4Into(p, v4, 0)) return false;
      groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else {
      const g = hexGroup(p);
      if (g < 0) return false;
      groups.push(g);
    }
  }
  return true;
}

/**
 * Writes the sixteen bytes of an IPv6 text (RFC 4291 §2.2 forms, zone ids refused) at `off`;
 * false if the text is not an IPv6 address.
 */
export function parseIpv6Into(text: string, out: Uint8Array, off: number): boolean {
  if (text.includes('%')) return false;
  const gap = text.indexOf('::');
  const head: number[] = [];
  const tail: number[] = [];
  if (gap < 0) {
    if (!collectGroups(text, head, true) || head.length !== 8) return false;
  } else {
    if (text.indexOf('::', gap + 1) >= 0) return false;
    const tailText = text.slice(gap + 2);
    if (!collectGroups(text.slice(0, gap), head, false)) return false;
    if (!collectGroups(tailText, tail, true)) return false;
    // "::" stands for at least one zero group.
    if (head.length + tail.length > 7) return false;
  }
  out.fill(0, off, off + 16);
  for (let i = 0; i < head.length; i++) {
    out[off + 2 * i] = head[i] >> 8;
    out[off + 2 * i + 1] = head[i] & 0xff;
  }
  const tailStart = 8 - tail.length;
  for (let i = 0; i < tail.length; i++) {
    out[off + 2 * (tailStart + i)] = tail[i] >> 8;
    out[off + 2 * (tailStart + i) + 1] = tail[i] & 0xff;
  }
  return true;
}

/** Dotted-quad text of the four bytes at `off`. */
export function formatIpv4(bytes: Uint8Array, off: number): string {
  return `${bytes[off]}.${bytes[off + 1]}.${bytes[off + 2]}.${bytes[off + 3]}`;
}

/**
 * RFC 5952 §4 text of the sixteen bytes at `off`: lower-case hex without leading zeros, the
 * first longest run of two or more zero groups written "::", and (§5) the IPv4-mapped
 * ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d forms in mixed notation, as the socket layer
 * prints them.
 */
export function formatIpv6(bytes: Uint8Array, off: number): string {
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let i = 0; i <= 8; i++) {
    const zero = i < 8 && bytes[off + 2 * i] === 0 && bytes[off + 2 * i + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      // Strictly longer only: on a tie the first run wins (RFC 5952 §4.2.3).
      if (i - runStart > bestLen) {
        bestStart = runStart;
        bestLen = i - runStart;
      }
      runStart = -1;
    }
  }
  if (bestLen < 2) bestStart = -1;
  if (bestStart === 0 && (bestLen === 6 || (bestLen === 5 && bytes[off + 10] === 0xff && bytes[off + 11] === 0xff))) {
    return (bestLen === 5 ? '::ffff:' : '::') + formatIpv4(bytes, off + 12);
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLen - 1;
      continue;
    }
    if (text.length > 0 && !text.endsWith(':')) text += ':';
    text += ((bytes[off + 2 * i] << 8) | bytes[off + 2 * i + 1]).toString(16);
  }
  return text;
}

/**
 * Parses an IP address text and returns its family and canonical text (see the module
 * comment), or undefined if it is not an IP address. Scoped IPv6 texts ("fe80::1%eth0") are
 * refused: a zone means nothing outside its host and cannot be carried in a STUN address.
 */
export function canonicalIp(text: string): { family: AddressFamily; address: string } | undefined {
  const kind = isIP(text);
  if (kind === 4) {
    const b = new Uint8Array(4);
    return parseIpv4Into(text, b, 0) ? { family: 'IPv4', address: formatIpv4(b, 0) } : undefined;
  }
  if (kind === 6) {
    const b = new Uint8Array(16);
    return parseIpv6Into(text, b, 0) ? { family: 'IPv6', address: formatIpv6(b, 0) } : undefined;
  }
  return undefined;
}

/** Text of a transport address for logs and keys: "192.0.2.1:3478" or "[2001:db8::1]:3478". */
export function formatAddress(a: TransportAddress): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
