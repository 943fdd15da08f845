/**
 * The PROXY protocol (HAProxy's proxy-protocol.txt, versions 1 and 2): the header a TCP load
 * balancer writes at the start of a connection to say which client it carries. A pure codec:
 * `parseProxyHeader` reads the bytes received so far and answers with the header and its
 * length, `incomplete` when more bytes are needed, or the reason the bytes are no header. It
 * never throws and never reads past the buffer. `encodeProxyV1`/`encodeProxyV2` write headers
 * (tests, and a client behind no balancer that wants to act as one).
 *
 * Accepted: v1 `TCP4`/`TCP6` and `UNKNOWN`; v2 `PROXY` over TCP (STREAM) for INET and INET6
 * with any TLVs (skipped), and v2 `LOCAL` (the balancer's own health check). For `UNKNOWN` and
 * `LOCAL` the connection's own addresses stand. Refused: v2 UNSPEC, UNIX and DGRAM with the
 * PROXY command (the specification lets a receiver refuse them, and a client address that is
 * not an IP one cannot be a 5-tuple), any other version or command, and malformed text.
 */
import { parseIpAddress } from './ip-parse.ts';
import { formatIp } from './ip-format.ts';
import type { IpFamily } from './ip-parse.ts';

/** The 12-byte signature every v2 header starts with. */
export const PROXY_V2_SIGNATURE = Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a);
/** `PROXY ` */
const V1_PREFIX = Uint8Array.of(0x50, 0x52, 0x4f, 0x58, 0x59, 0x20);
/** A v1 line is at most 107 bytes, CRLF included (proxy-protocol.txt §2.1). */
export const PROXY_V1_MAX_LENGTH = 107;
/** Longest v2 header accepted: 16 bytes, 36 of IPv6 addresses and room for the usual TLVs. */
export const PROXY_V2_MAX_LENGTH = 16 + 36 + 512;

/** A transport address carried in a header. */
export interface ProxyAddress {
  family: IpFamily;
  ip: string;
  port: number;
}

/** A header that was read whole. */
export type ProxyHeader =
  | { version: 1 | 2; command: 'proxy'; source: ProxyAddress; destination: ProxyAddress }
  /** v2 LOCAL or v1 UNKNOWN: the connection's own addresses stand */
  | { version: 1 | 2; command: 'local' };

/** Why the bytes are not a header Turnpike accepts. Stable strings, safe to count. */
export type ProxyHeaderError =
  | 'not-proxy'
  | 'too-long'
  | 'bad-version'
  | 'bad-command'
  | 'unsupported-family'
  | 'unsupported-transport'
  | 'bad-address'
  | 'bad-port'
  | 'malformed';

/** What `parseProxyHeader` answers. */
export type ProxyParseResult =
  | { ok: true; header: ProxyHeader; length: number }
  | { ok: false; reason: 'incomplete' | ProxyHeaderError };

/** True when `buf` starts with as much of `prefix` as it holds. */
function startsLike(buf: Uint8Array, prefix: Uint8Array): boolean {
  const n = Math.min(buf.length, prefix.length);
  for (let i = 0; i < n; i++) if (buf[i] !== prefix[i]) return false;
  return true;
}

/** Reads a PROXY v1 or v2 header from the start of `buf`. */
export function parseProxyHeader(buf: Uint8Array): ProxyParseResult {
  if (buf.length === 0) return { ok: false, reason: 'incomplete' };
  if (startsLike(buf, PROXY_V2_SIGNATURE)) return buf.length < 16 ? { ok: false, reason: 'incomplete' } : parseV2(buf);
  if (startsLike(buf, V1_PREFIX)) return buf.length < V1_PREFIX.length ? { ok: false, reason: 'incomplete' } : parseV1(buf);
  return { ok: false, reason: 'not-proxy' };
}

/** v2 (proxy-protocol.txt §2.2): signature, version/command, family/transport, length, addresses, TLVs. */
function parseV2(buf: Uint8Array): ProxyParseResult {
  const version = buf[12] >> 4;
  const command = buf[12] & 0x0f;
  if (version !== 2) return { ok: false, reason: 'bad-version' };
  if (command > 1) return { ok: false, reason: 'bad-command' };
  const length = 16 + ((buf[14] << 8) | buf[15]);
  if (length > PROXY_V2_MAX_LENGTH) return { ok: false, reason: 'too-long' };
  if (buf.length < length) return { ok: false, reason: 'incomplete' };
  // LOCAL: the balancer speaking for itself; whatever follows the length is skipped.
  if (command === 0) return { ok: true, header: { version: 2, command: 'local' }, length };
  const family = buf[13] >> 4;
  const transport = buf[13] & 0x0f;
  if (family !== 1 && family !== 2) return { ok: false, reason: 'unsupported-family' };
  if (transport !== 1) return { ok: false, reason: 'unsupported-transport' };
  const ipFamily: IpFamily = family === 1 ? 'IPv4' : 'IPv6';
  const size = family === 1 ? 4 : 16;
  if (length < 16 + 2 * size + 4) return { ok: false, reason: 'malformed' };
  const ports = 16 + 2 * size;
  const source = { family: ipFamily, ip: formatIp(ipFamily, buf, 16), port: (buf[ports] << 8) | buf[ports + 1] };
  const destination = { family: ipFamily, ip: formatIp(ipFamily, buf, 16 + size), port: (buf[ports + 2] << 8) | buf[ports + 3] };
  return { ok: true, header: { version: 2, command: 'proxy', source, destination }, length };
}

/** A decimal port of 1 to 5 digits, 0-65535; undefined otherwise. */
function parsePort(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

/** v1 (proxy-protocol.txt §2.1): `PROXY TCP4 SRC DST SPORT DPORT\r\n`, single spaces. */
function parseV1(buf: Uint8Array): ProxyParseResult {
  let line = '';
  for (let i = 0; i < buf.length; i++) {
    if (i + 2 > PROXY_V1_MAX_LENGTH) return { ok: false, reason: 'too-long' };
    const byte = buf[i];
    if (byte === 0x0d) {
      if (i + 1 === buf.length) return { ok: false, reason: 'incomplete' };
      if (buf[i + 1] !== 0x0a) return { ok: false, reason: 'malformed' };
      return parseV1Line(line, i + 2);
    }
    // Printable US-ASCII only: anything else (a TLS record, a STUN header) is no v1 line.
    if (byte < 0x20 || byte > 0x7e) return { ok: false, reason: 'malformed' };
    line += String.fromCharCode(byte);
  }
  return { ok: false, reason: 'incomplete' };
}

/** The fields of a whole v1 line (without its CRLF), `length` bytes with it. */
function parseV1Line(line: string, length: number): ProxyParseResult {
  const fields = line.split(' ');
  // UNKNOWN: the balancer could not tell; anything up to the CRLF is ignored.
  if (fields[1] === 'UNKNOWN') return { ok: true, header: { version: 1, command: 'local' }, length };
  if (fields[1] !== 'TCP4' && fields[1] !== 'TCP6') return { ok: false, reason: fields.length < 2 ? 'malformed' : 'unsupported-family' };
  if (fields.length !== 6) return { ok: false, reason: 'malformed' };
  const family: IpFamily = fields[1] === 'TCP4' ? 'IPv4' : 'IPv6';
  const src = parseIpAddress(fields[2]);
  const dst = parseIpAddress(fields[3]);
  if (src === undefined || dst === undefined || src.family !== family || dst.family !== family) return { ok: false, reason: 'bad-address' };
  const sport = parsePort(fields[4]);
  const dport = parsePort(fields[5]);
  if (sport === undefined || dport === undefined) return { ok: false, reason: 'bad-port' };
  return {
    ok: true,
    header: {
      version: 1,
      command: 'proxy',
      source: { family, ip: formatIp(family, src.bytes), port: sport },
      destination: { family, ip: formatIp(family, dst.bytes), port: dport },
    },
    length,
  };
}

/** A v1 header line for `source` → `destination` (both of one family). */
export function encodeProxyV1(source: ProxyAddress, destination: ProxyAddress): Uint8Array {
  const proto = source.family === 'IPv4' ? 'TCP4' : 'TCP6';
  return new TextEncoder().encode(`PROXY ${proto} ${source.ip} ${destination.ip} ${source.port} ${destination.port}\r\n`);
}

/** A v2 header: PROXY over TCP for `source` → `destination`, or LOCAL when they are omitted; `tlvs` appended raw. */
export function encodeProxyV2(addresses?: { source: ProxyAddress; destination: ProxyAddress }, tlvs: Uint8Array = new Uint8Array(0)): Uint8Array {
  const size = addresses === undefined ? 0 : addresses.source.family === 'IPv4' ? 4 : 16;
  const body = addresses === undefined ? 0 : 2 * size + 4;
  const out = new Uint8Array(16 + body + tlvs.length);
  out.set(PROXY_V2_SIGNATURE, 0);
  out[12] = addresses === undefined ? 0x20 : 0x21;
  out[13] = addresses === undefined ? 0x00 : size === 4 ? 0x11 : 0x21;
  out[14] = (body + tlvs.length) >> 8;
  out[15] = (body + tlvs.length) & 0xff;
  if (addresses !== undefined) {
    const { source, destination } = addresses;
    out.set(parseIpAddress(source.ip)?.bytes ?? new Uint8Array(size), 16);
    out.set(parseIpAddress(destination.ip)?.bytes ?? new Uint8Array(size), 16 + size);
    const ports = 16 + 2 * size;
    out[ports] = source.port >> 8;
    out[ports + 1] = source.port & 0xff;
    out[ports + 2] = destination.port >> 8;
    out[ports + 3] = destination.port & 0xff;
  }
  out.set(tlvs, 16 + body);
  return out;
}
