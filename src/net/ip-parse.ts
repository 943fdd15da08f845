/**
 * The one IP text parser of Turnpike: text to address bytes. Everything that reads an IP
 * address written as text (sockets' peer addresses, STUN attributes, configuration, command
 * lines) goes through here, so one spelling means one address everywhere.
 *
 * Accepted: dotted-quad IPv4 (RFC 791 text: four decimal parts 0-255, no leading zeros, so no
 * octal-looking `010` and no shorthand such as `127.1`) and RFC 4291 §2.2 IPv6 (1-4 hex digits a
 * group, either case, at most one `::` standing for one or more zero groups, an optional
 * dotted-quad tail in the last 32 bits). An RFC 4007 §11 zone id (`fe80::1%eth0`) only when the
 * caller asks for it. Nothing else: no spaces, no brackets, no host names.
 * No regular expressions: the text is walked once, by character code.
 */

/** The family an address was written in (the RFC 8489 §14.1 family names). */
export type IpFamily = 'IPv4' | 'IPv6';

/** An address as network-order bytes: 4 for IPv4, 16 for IPv6. */
export interface IpAddress {
  readonly family: IpFamily;
  readonly bytes: Uint8Array;
  /** The RFC 4007 §11 zone id after `%`, present only when the caller allowed zones. */
  readonly zone?: string;
}

/** What a caller is willing to accept beyond a bare address. */
export interface IpParseOptions {
  /**
   * Accept an IPv6 zone id (`fe80::1%eth0`, RFC 4007 §11). Only for addresses of this host,
   * such as a socket to bind or a client seen on a link-local socket: a zone names one of our
   * interfaces and means nothing on the wire or to a peer.
   */
  readonly zone?: boolean;
}

/** The longest address text: six 4-digit groups and a 15-character dotted quad (RFC 4291 §2.2 form 3). */
const MAX_ADDRESS_LENGTH = 45;

const CHAR_0 = 0x30;
const CHAR_9 = 0x39;
const CHAR_DOT = 0x2e;
const CHAR_COLON = 0x3a;
const CHAR_PERCENT = 0x25;

/** Scratch for the 16-bit groups of one IPv6 parse; safe because parsing is synchronous. */
const groups = new Uint16Array(8);

/**
 * Parses IP text without zone id into `out` at `offset`: 4 bytes for IPv4 text, 16 for IPv6
 * text (`::ffff:1.2.3.4` is IPv6 text, written as its 16 bytes). `out` needs 16 bytes of room
 * whatever the text. Returns the family the text was written in, or `undefined` when it is
 * not an address, leaving `out` untouched. Allocates nothing, for per-packet paths.
 */
export function parseIpInto(text: string, out: Uint8Array, offset = 0): IpFamily | undefined {
  return parseRange(text, 0, text.length, out, offset);
}

/**
 * Parses IP text into a fresh `IpAddress`, or `undefined` when the text is not an address.
 * A zone id is refused unless `options.zone` is set; it never belongs to an IPv4 address.
 */
export function parseIpAddress(text: string, options: IpParseOptions = {}): IpAddress | undefined {
  const percent = text.indexOf('%');
  const end = percent < 0 ? text.length : percent;
  if (percent >= 0 && (!options.zone || !isZoneId(text, percent + 1))) return undefined;
  const bytes = new Uint8Array(16);
  const family = parseRange(text, 0, end, bytes, 0);
  if (family === undefined) return undefined;
  if (family === 'IPv4') return percent < 0 ? { family, bytes: bytes.slice(0, 4) } : undefined;
  return percent < 0 ? { family, bytes } : { family, bytes, zone: text.slice(percent + 1) };
}

/**
 * A zone id as interface names and numbers are spelled: one or more letters, digits, `-`,
 * `_`, `.` or `:`. Anything else (a second `%`, a space, a bracket) is a typo, not a zone.
 */
function isZoneId(text: string, start: number): boolean {
  if (start >= text.length) return false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const lower = c | 0x20;
    const ok = (c >= CHAR_0 && c <= CHAR_9) || (lower >= 0x61 && lower <= 0x7a) || c === 0x2d || c === 0x5f || c === CHAR_DOT || c === CHAR_COLON;
    if (!ok) return false;
  }
  return true;
}

/** Parses the address in `text[start, end)`; see `parseIpInto`. */
function parseRange(text: string, start: number, end: number, out: Uint8Array, offset: number): IpFamily | undefined {
  const length = end - start;
  if (length <= 0 || length > MAX_ADDRESS_LENGTH) return undefined;
  let colon = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === CHAR_COLON) colon = true;
    // A zone id reaches here only through parseIpInto, which takes none.
    else if (c === CHAR_PERCENT) return undefined;
  }
  if (!colon) {
    const v4 = parseDottedQuad(text, start, end);
    if (v4 < 0) return undefined;
    out[offset] = v4 >>> 24;
    out[offset + 1] = (v4 >>> 16) & 0xff;
    out[offset + 2] = (v4 >>> 8) & 0xff;
    out[offset + 3] = v4 & 0xff;
    return 'IPv4';
  }
  if (!parseIpv6Groups(text, start, end)) return undefined;
  for (let g = 0; g < 8; g++) {
    out[offset + 2 * g] = groups[g] >>> 8;
    out[offset + 2 * g + 1] = groups[g] & 0xff;
  }
  return 'IPv6';
}

/**
 * Parses a strict dotted quad in `text[start, end)` into an unsigned 32-bit number, or -1.
 * Leading zeros are refused because some resolvers read them as octal (`010` = 8; RFC 6943 §3.1.1).
 */
function parseDottedQuad(text: string, start: number, end: number): number {
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

/** Fills `groups` from the RFC 4291 §2.2 text in `text[start, end)`; false when it is not IPv6. */
function parseIpv6Groups(text: string, start: number, end: number): boolean {
  let count = 0;
  // Index in `groups` where `::` stands, or -1 when the text has none.
  let gap = -1;
  let i = start;
  if (text.charCodeAt(i) === CHAR_COLON) {
    if (i + 1 >= end || text.charCodeAt(i + 1) !== CHAR_COLON) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    const groupStart = i;
    let group = 0;
    while (i < end && i - groupStart < 4) {
      const digit = hexDigit(text.charCodeAt(i));
      if (digit < 0) break;
      group = group * 16 + digit;
      i++;
    }
    if (i === groupStart) return false;
    if (i < end && text.charCodeAt(i) === CHAR_DOT) {
      // A dotted-quad tail fills the last two groups and must end the text.
      if (count > 6) return false;
      const v4 = parseDottedQuad(text, groupStart, end);
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    if (count === 8) return false;
    groups[count++] = group;
    if (i === end) break;
    if (text.charCodeAt(i) !== CHAR_COLON) return false;
    i++;
    if (i < end && text.charCodeAt(i) === CHAR_COLON) {
      if (gap >= 0) return false;
      gap = count;
      i++;
    } else if (i === end) {
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

/**
 * The address without its zone id (`fe80::1%eth0` → `fe80::1`): what goes into a STUN
 * address attribute, which has no room for a zone (RFC 8489 §14.1).
 */
export function withoutZone(ip: string): string {
  const percent = ip.indexOf('%');
  return percent < 0 ? ip : ip.slice(0, percent);
}
