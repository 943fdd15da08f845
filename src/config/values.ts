/**
 * The kinds of value coturn's options take, each a pure parser that says what it expected
 * when the text does not fit. The option table pairs every option with one of these.
 */

import { parseIp } from '../net/ip.ts';
import { parseIpAddress } from '../net/ip-parse.ts';
import { cidrAsRange, ipFamily } from './ip-text.ts';
import type { AddressPort, ExternalIp, StaticUser } from './types.ts';

/** A parse result: the value, or a failure with an optional more precise expectation. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; expected?: string };

/** A value kind: how it is shown in help (`<port>`), what it expects, and its parser. */
export interface ValueType<T> {
  /** placeholder for help and docs, such as `<port>` */
  readonly hint: string;
  /** completes "expected ...", such as `an integer 0-65535` */
  readonly expected: string;
  readonly parse: (raw: string) => Parsed<T>;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(expected?: string): Parsed<T> => ({ ok: false, expected });

/**
 * coturn's boolean words (`fingerprint=off`, `--no-auth=0`); a bare flag means true and is
 * handled before this parser is reached.
 */
export const bool: ValueType<boolean> = {
  hint: '[on|off]',
  expected: 'a boolean: on/off, yes/no, true/false or 1/0',
  parse(raw) {
    const word = raw.toLowerCase();
    if (['1', 'yes', 'y', 'true', 't', 'on'].includes(word)) return ok(true);
    if (['0', 'no', 'n', 'false', 'f', 'off'].includes(word)) return ok(false);
    // coturn reads any number that does not start with 0 as true.
    if (/^[1-9]\d*$/.test(raw)) return ok(true);
    return fail();
  },
};

/** A decimal integer in [min, max]; no signs, spaces or trailing letters (unlike C's atoi). */
export function integer(min: number, max: number, hint = '<number>'): ValueType<number> {
  return {
    hint,
    expected: `an integer ${min}-${max}`,
    parse(raw) {
      if (!/^\d+$/.test(raw)) return fail();
      const n = Number(raw);
      return n >= min && n <= max ? ok(n) : fail();
    },
  };
}

/** A TCP/UDP port number; 0 lets the system choose (useful in tests). */
export const port: ValueType<number> = integer(0, 65535, '<port>');

/** Any non-empty text: names, paths, secrets, connection strings. */
export function text(hint: string, what = 'a non-empty value'): ValueType<string> {
  return { hint, expected: what, parse: (raw) => (raw.length > 0 ? ok(raw) : fail()) };
}

/** One character, coturn's `rest-api-separator`. */
export const singleCharacter: ValueType<string> = {
  hint: '<char>',
  expected: 'a single character',
  parse: (raw) => (raw.length === 1 ? ok(raw) : fail()),
};

/** One of a fixed set of words. */
export function oneOf<const W extends string>(words: readonly W[]): ValueType<W> {
  return {
    hint: `<${words.join('|')}>`,
    expected: `one of ${words.join(', ')}`,
    parse: (raw) => ((words as readonly string[]).includes(raw) ? ok(raw as W) : fail()),
  };
}

/** A local IP address to bind; IPv6 link-local zone ids (`fe80::1%eth0`) are allowed. */
export const bindAddress: ValueType<string> = {
  hint: '<ip>',
  expected: 'an IPv4 or IPv6 address (host names are not resolved)',
  parse: (raw) => (parseIpAddress(raw, { zone: true }) ? ok(raw) : fail()),
};

/** An IP address without zone id. */
export const ipAddress: ValueType<string> = {
  hint: '<ip>',
  expected: 'an IPv4 or IPv6 address (host names are not resolved)',
  parse: (raw) => (ipFamily(raw) ? ok(raw) : fail()),
};

/** `external-ip`: `PUBLIC` or `PUBLIC/PRIVATE`, both addresses of one family. */
export const externalIp: ValueType<ExternalIp> = {
  hint: '<public-ip[/private-ip]>',
  expected: "an IP address or 'PUBLIC/PRIVATE' addresses of the same family (host names are not resolved)",
  parse(raw) {
    const [pub, priv, extra] = raw.split('/');
    if (extra !== undefined || !ipFamily(pub)) return fail();
    if (priv === undefined) return ok({ public: pub });
    if (!ipFamily(priv)) return fail();
    if (ipFamily(priv) !== ipFamily(pub)) return fail('PUBLIC/PRIVATE addresses of the same family (IPv4/IPv4 or IPv6/IPv6)');
    return ok({ public: pub, private: priv });
  },
};

/** `allowed-peer-ip` / `denied-peer-ip`: `IP` or `IP1-IP2`, same family, IP1 <= IP2. */
export const ipRange: ValueType<string> = {
  hint: '<ip[-ip]>',
  expected: "an IP address or a range 'IP1-IP2' of one family",
  parse(raw) {
    const cidr = cidrAsRange(raw);
    if (cidr) return fail(`an IP address or a range 'IP1-IP2' (CIDR is not accepted; write '${cidr}')`);
    const [firstText, lastText, extra] = raw.split('-');
    const first = parseIp(firstText);
    if (extra !== undefined || first === undefined) return fail();
    if (lastText === undefined) return ok(raw);
    const last = parseIp(lastText);
    if (last === undefined || last.family !== first.family) return fail();
    if (first.value > last.value) return fail("a range 'IP1-IP2' whose first address is not after the last");
    return ok(raw);
  },
};

/** `user=name:password` or `user=name:0x<32 hex digits>` (the key `turnadmin -k` prints). */
export const staticUser: ValueType<StaticUser> = {
  hint: '<name:password>',
  expected: "'NAME:PASSWORD' or 'NAME:0x' followed by the 32 hex digits of the key (turnadmin -k)",
  parse(raw) {
    const colon = raw.indexOf(':');
    if (colon <= 0) return fail();
    const name = raw.slice(0, colon);
    // coturn skips blanks after the colon.
    const secret = raw.slice(colon + 1).replace(/^[ \t]+/, '');
    if (secret.length === 0) return fail();
    if (!secret.startsWith('0x')) return ok({ name, password: secret });
    const hex = secret.slice(2);
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) return fail();
    return ok({ name, key: Uint8Array.from(Buffer.from(hex, 'hex')) });
  },
};

/** `log-min-level` (coturn 4.7+): a level name, in any case, as coturn compares them. */
export const logMinLevel: ValueType<'debug' | 'info' | 'warning' | 'error'> = {
  hint: '<debug|info|warning|error>',
  expected: 'one of debug, info, warning, error',
  parse(raw) {
    const word = raw.toLowerCase();
    return word === 'debug' || word === 'info' || word === 'warning' || word === 'error' ? ok(word) : fail();
  },
};

/** `log-file`: a path, or the special names `stdout`, `-` and `syslog`. */
export const logFile: ValueType<string> = {
  hint: '<file|stdout|syslog>',
  expected: "a file path, 'stdout', '-' or 'syslog'",
  parse: (raw) => (raw.length === 0 ? fail() : ok(raw === '-' ? 'stdout' : raw)),
};

/**
 * `alternate-server`, `tls-alternate-server`, `aux-server`: `IP`, `IPv4:PORT` or `[IPv6]:PORT`
 * (a bare IPv6 address has no port). Port 0 when none is given: the caller's matching default.
 */
export const addressPort: ValueType<AddressPort> = {
  hint: '<ip[:port]>',
  expected: "an address 'IP', 'IPv4:PORT' or '[IPv6]:PORT' (host names are not resolved)",
  parse(raw) {
    const text = raw.trim();
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
    if (bracketed) return withPort(bracketed[1], bracketed[2], 6);
    if (ipFamily(text) === 6) return ok({ ip: text, port: 0 });
    const colon = text.indexOf(':');
    if (colon < 0) return withPort(text, undefined, 4);
    return withPort(text.slice(0, colon), text.slice(colon + 1), 4);
  },
};

function withPort(ip: string, portText: string | undefined, family: 4 | 6): Parsed<AddressPort> {
  if (ipFamily(ip) !== family) return fail();
  if (portText === undefined) return ok({ ip, port: 0 });
  const parsed = port.parse(portText);
  return parsed.ok ? ok({ ip, port: parsed.value }) : fail();
}
