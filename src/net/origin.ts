/**
 * The canonical form coturn stores an ORIGIN in (`turnadmin -O/-R`, and what its server looks
 * up): lower-case scheme, "://", lower-case host, ":" and the port, the scheme's well-known
 * port when none (or 0) is given; user info, path, query and fragment are dropped. Text that
 * is not an absolute URI with a host (RFC 3986 §3, checked as strictly as libevent does, which
 * coturn uses) is kept exactly as given.
 */

import { isIPv6 } from 'node:net';

/** Well-known ports by scheme, the ones coturn knows; other schemes get no port. */
const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  ftp: 21, svn: 3690, ssh: 22, sip: 5060, http: 80, ldap: 389, sips: 5061, turn: 3478, stun: 3478,
  https: 443, ldaps: 636, turns: 5349, stuns: 5349, telnet: 23, radius: 1645, 'svn+ssh': 22,
};

// RFC 3986 §2: unreserved and sub-delims characters, and percent-encoded octets.
const UNRESERVED_OR_SUBDELIM = "A-Za-z0-9\\-._~!$&'()*+,;=";
const PCT = '%[0-9A-Fa-f]{2}';
const REG_NAME = new RegExp(`^(?:[${UNRESERVED_OR_SUBDELIM}]|${PCT})*$`);
const USERINFO = new RegExp(`^(?:[${UNRESERVED_OR_SUBDELIM}:]|${PCT})*$`);
const PATH = new RegExp(`^(?:[${UNRESERVED_OR_SUBDELIM}:@/]|${PCT})*$`);
const QUERY = new RegExp(`^(?:[${UNRESERVED_OR_SUBDELIM}:@/?]|${PCT})*$`);
const IP_FUTURE = new RegExp(`^v[0-9A-Fa-f]+\\.[${UNRESERVED_OR_SUBDELIM}:]+$`);

const asciiLower = (text: string): string => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Whether the text between "[" and "]" is an IPv6 address (RFC 4291 §2.2, no zone) or an IPvFuture literal. */
const ipLiteralOk = (inner: string): boolean => IP_FUTURE.test(inner) || (isIPv6(inner) && !inner.includes('%'));

/** Scheme, host (brackets kept) and port (-1 when none) of an absolute URI with an authority, or undefined. */
function parseOrigin(text: string): { scheme: string; host: string; port: number } | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+\-.]*):\/\//.exec(text);
  if (!scheme) return undefined;
  const rest = text.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  const tailParts = /^([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s.exec(tail);
  if (!tailParts || !PATH.test(tailParts[1]) || !QUERY.test(tailParts[2] ?? '') || !QUERY.test(tailParts[3] ?? '')) {
    return undefined;
  }
  const at = authority.indexOf('@');
  if (at >= 0 && !USERINFO.test(authority.slice(0, at))) return undefined;
  let hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  let port = -1;
  const portMatch = /:(\d*)$/.exec(hostPort);
  if (portMatch) {
    if (portMatch[1] !== '') {
      port = Number(portMatch[1]);
      if (port > 65535) return undefined;
    }
    hostPort = hostPort.slice(0, portMatch.index);
  }
  if (hostPort.length >= 2 && hostPort.startsWith('[') && hostPort.endsWith(']')) {
    if (!ipLiteralOk(hostPort.slice(1, -1))) return undefined;
  } else if (!REG_NAME.test(hostPort)) {
    return undefined;
  }
  return { scheme: scheme[1], host: hostPort, port };
}

/** `HTTP://Example.COM/x` → `http://example.com:80`; anything else unchanged. */
export function canonicalOrigin(origin: string): string {
  const parts = parseOrigin(origin);
  if (!parts || parts.host === '') return origin;
  const scheme = asciiLower(parts.scheme);
  const port = parts.port >= 1 ? parts.port : (DEFAULT_PORTS[scheme] ?? 0);
  return `${scheme}://${asciiLower(parts.host)}${port > 0 ? `:${port}` : ''}`;
}
