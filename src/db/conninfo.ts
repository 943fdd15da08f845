/**
 * coturn's `psql-userdb` connection string, which coturn hands to libpq unchanged: either
 * libpq's keyword/value form (`host=localhost dbname=coturn user=turn password='a b' port=5432
 * connect_timeout=30`) or its URI form (`postgresql://turn:pw@localhost:5432/coturn?sslmode=require`).
 * Pure parsing; `postgresql.ts` turns the result into a `pg` pool. Error messages never quote
 * values, since a value may be (part of) the password.
 */
import { ErrorCode, TurnpikeError } from '../errors.ts';

/** libpq's `sslmode` values. */
export type PgSslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: readonly string[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** A parsed `psql-userdb` string: the libpq settings Turnpike uses. */
export interface PgConnInfo {
  /** host name, IP address, or a Unix-socket directory (starts with `/`) */
  host?: string;
  /** numeric address to connect to instead of resolving `host` */
  hostaddr?: string;
  port?: number;
  dbname?: string;
  user?: string;
  password?: string;
  /** libpq's `connect_timeout`, seconds; absent when 0 (libpq: wait forever) */
  connectTimeoutSec?: number;
  sslmode?: PgSslMode;
  sslcert?: string;
  sslkey?: string;
  sslrootcert?: string;
  sslpassword?: string;
  applicationName?: string;
  /** `options` (command-line options sent to the server, e.g. `-c search_path=turn`) */
  options?: string;
  /** `keepalives=0` turns TCP keepalives off */
  keepalives?: boolean;
  /** libpq keywords that were given but have no effect with Turnpike (e.g. `gssencmode`) */
  ignored: string[];
}

/** libpq keywords Turnpike accepts and ignores (they exist in libpq, so coturn accepts them). */
const IGNORED_KEYWORDS = new Set([
  'passfile', 'require_auth', 'channel_binding', 'client_encoding', 'fallback_application_name',
  'keepalives_idle', 'keepalives_interval', 'keepalives_count', 'tcp_user_timeout', 'replication',
  'gssencmode', 'sslcompression', 'sslcertmode', 'sslcrl', 'sslcrldir', 'sslsni', 'requirepeer',
  'ssl_min_protocol_version', 'ssl_max_protocol_version', 'krbsrvname', 'gsslib', 'gssdelegation',
  'service', 'target_session_attrs', 'load_balance_hosts', 'sslnegotiation', 'tty', 'authtype',
]);

function bad(message: string): TurnpikeError {
  return new TurnpikeError(ErrorCode.CONFIG_INVALID, `psql-userdb connection string: ${message}`);
}

/** Parses a `psql-userdb` value in either libpq form; throws `TurnpikeError` CONFIG_INVALID when libpq would refuse it. */
export function parsePgConnInfo(text: string): PgConnInfo {
  const trimmed = text.trim();
  const pairs = /^postgres(ql)?:\/\//.test(trimmed) ? parseUri(trimmed) : parseKeywordValue(trimmed);
  const info: PgConnInfo = { ignored: [] };
  for (const [key, value] of pairs) applyKeyword(info, key, value);
  return info;
}

/** The keyword/value form: `key = value`, values unquoted (backslash escapes) or single-quoted. */
export function parseKeywordValue(text: string): [string, string][] {
  const pairs: [string, string][] = [];
  let i = 0;
  const n = text.length;
  const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
  while (i < n) {
    while (isSpace(text[i])) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && text[i] !== '=' && !isSpace(text[i])) i++;
    const key = text.slice(keyStart, i);
    while (isSpace(text[i])) i++;
    if (text[i] !== '=') throw bad(`missing "=" after the keyword at offset ${keyStart}`);
    i++;
    while (isSpace(text[i])) i++;
    let value = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= n) throw bad(`unterminated quoted string (value of "${key}")`);
        const c = text[i];
        if (c === '\\' && i + 1 < n) { value += text[i + 1]; i += 2; continue; }
        if (c === "'") { i++; break; }
        value += c;
        i++;
      }
    } else {
      while (i < n && !isSpace(text[i])) {
        if (text[i] === '\\') i++;
        if (i < n) value += text[i];
        i++;
      }
    }
    pairs.push([key, value]);
  }
  return pairs;
}

function percentDecode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw bad(`invalid percent-encoding in the URI's ${what}`);
  }
}

/** The URI form `postgresql://[user[:password]@][host][:port][/dbname][?key=value&...]`. */
export function parseUri(text: string): [string, string][] {
  const pairs: [string, string][] = [];
  let rest = text.replace(/^postgres(ql)?:\/\//, '');
  const queryAt = rest.indexOf('?');
  const query = queryAt >= 0 ? rest.slice(queryAt + 1) : '';
  if (queryAt >= 0) rest = rest.slice(0, queryAt);
  const slashAt = rest.indexOf('/');
  const authority = slashAt >= 0 ? rest.slice(0, slashAt) : rest;
  if (slashAt >= 0 && slashAt + 1 < rest.length) pairs.push(['dbname', percentDecode(rest.slice(slashAt + 1), 'database name')]);
  const atAt = authority.lastIndexOf('@');
  const hostspec = atAt >= 0 ? authority.slice(atAt + 1) : authority;
  if (atAt >= 0) {
    const userinfo = authority.slice(0, atAt);
    const colon = userinfo.indexOf(':');
    const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    if (user) pairs.push(['user', percentDecode(user, 'user name')]);
    if (colon >= 0) pairs.push(['password', percentDecode(userinfo.slice(colon + 1), 'password')]);
  }
  pairs.push(...parseHostspec(hostspec));
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw bad(`URI query parameter without "=" at offset ${text.indexOf(part)}`);
    let key = percentDecode(part.slice(0, eq), 'query');
    let value = percentDecode(part.slice(eq + 1), 'query');
    if (key === 'ssl' && value === 'true') [key, value] = ['sslmode', 'require'];
    pairs.push([key, value]);
  }
  return pairs;
}

function parseHostspec(hostspec: string): [string, string][] {
  if (!hostspec) return [];
  if (hostspec.includes(',')) throw bad('several hosts are not supported; give one host');
  let host = hostspec;
  let port = '';
  if (hostspec.startsWith('[')) {
    const close = hostspec.indexOf(']');
    if (close < 0) throw bad('an IPv6 address in the URI lacks its "]"');
    host = hostspec.slice(1, close);
    const after = hostspec.slice(close + 1);
    if (after && !after.startsWith(':')) throw bad('unexpected text after the IPv6 address in the URI');
    port = after.slice(1);
  } else {
    const colon = hostspec.lastIndexOf(':');
    if (colon >= 0) [host, port] = [hostspec.slice(0, colon), hostspec.slice(colon + 1)];
  }
  const pairs: [string, string][] = [];
  if (host) pairs.push(['host', percentDecode(host, 'host')]);
  if (port) pairs.push(['port', port]);
  return pairs;
}

function parseInteger(key: string, value: string, min: number, max: number): number {
  if (!/^\s*[+-]?\d+\s*$/.test(value)) throw bad(`"${key}" must be an integer`);
  const n = Number.parseInt(value, 10);
  if (n < min || n > max) throw bad(`"${key}" must be between ${min} and ${max}`);
  return n;
}

function applyKeyword(info: PgConnInfo, key: string, value: string): void {
  switch (key) {
    case 'host':
    case 'hostaddr':
      if (value.includes(',')) throw bad('several hosts are not supported; give one host');
      if (value) info[key] = value;
      return;
    case 'port':
      if (value.includes(',')) throw bad('several ports are not supported; give one port');
      if (value) info.port = parseInteger(key, value, 1, 65535);
      return;
    case 'dbname': info.dbname = value; return;
    case 'user': info.user = value; return;
    case 'password': info.password = value; return;
    case 'connect_timeout': {
      const sec = value ? parseInteger(key, value, -2147483648, 2147483647) : 0;
      // libpq: zero or negative means "wait indefinitely"; below 2 s it uses 2 s
      if (sec > 0) info.connectTimeoutSec = Math.max(sec, 2);
      else delete info.connectTimeoutSec;
      return;
    }
    case 'sslmode':
      if (!SSL_MODES.includes(value)) throw bad(`invalid sslmode value (one of ${SSL_MODES.join(', ')})`);
      info.sslmode = value as PgSslMode;
      return;
    case 'requiressl':
      if (value === '1') info.sslmode = 'require';
      return;
    case 'sslcert': info.sslcert = value; return;
    case 'sslkey': info.sslkey = value; return;
    case 'sslrootcert': info.sslrootcert = value; return;
    case 'sslpassword': info.sslpassword = value; return;
    case 'application_name': info.applicationName = value; return;
    case 'options': info.options = value; return;
    case 'keepalives': info.keepalives = value !== '0'; return;
    default:
      if (!IGNORED_KEYWORDS.has(key)) throw bad(`invalid connection option "${key}"`);
      if (!info.ignored.includes(key)) info.ignored.push(key);
  }
}

/** How a log may show the connection: `postgresql://user@host:port/dbname`, never the password. */
export function describePgConnInfo(info: PgConnInfo): string {
  const host = info.hostaddr ?? info.host ?? 'localhost';
  const hostText = host.includes(':') ? `[${host}]` : host.startsWith('/') ? encodeURIComponent(host) : host;
  const user = info.user ? `${encodeURIComponent(info.user)}@` : '';
  const db = info.dbname ? `/${encodeURIComponent(info.dbname)}` : '';
  return `postgresql://${user}${hostText}:${info.port ?? 5432}${db}`;
}
