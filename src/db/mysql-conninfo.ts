/**
 * coturn's `mysql-userdb` connection string (its own format, parsed by coturn, not by a client
 * library): space-separated `key=value` words, no quoting, so a value cannot hold a space.
 * Keys and their aliases are coturn's: host/ip/addr/ipaddr/hostaddr, dbname/db/database,
 * user/uname/name/username, password/pwd/passwd/secret, port/p, connect_timeout/timeout,
 * read_timeout (seconds), and the SSL keys of `mysql_ssl_set`: key/ssl-key, cert/ssl-cert,
 * ca/ssl-ca, capath/ssl-capath, cipher/ssl-cipher. An unknown key is an error, as in coturn.
 * Error messages never quote values.
 */
import { ErrorCode, TurnpikeError } from '../errors.ts';

/** SSL settings (file paths, a CA directory and an OpenSSL cipher list). */
export interface MysqlSslInfo {
  key?: string;
  cert?: string;
  ca?: string;
  capath?: string;
  cipher?: string;
}

/** A parsed `mysql-userdb` string, with coturn's defaults applied. */
export interface MysqlConnInfo {
  /** default 127.0.0.1 */
  host: string;
  dbname: string;
  /** default '' */
  user: string;
  /** as written: coturn's AES-encrypted form when `secret-key-file` is set; default '' */
  password: string;
  /** absent when not given or 0: the client's default, 3306 */
  port?: number;
  connectTimeoutSec?: number;
  readTimeoutSec?: number;
  /** present when any SSL key is given: coturn then calls `mysql_ssl_set` */
  ssl?: MysqlSslInfo;
}

type Field = 'host' | 'dbname' | 'user' | 'password' | 'port' | 'connect_timeout' | 'read_timeout' | keyof MysqlSslInfo;

const KEYS: Record<string, Field> = {
  host: 'host', ip: 'host', addr: 'host', ipaddr: 'host', hostaddr: 'host',
  dbname: 'dbname', db: 'dbname', database: 'dbname',
  user: 'user', uname: 'user', name: 'user', username: 'user',
  password: 'password', pwd: 'password', passwd: 'password', secret: 'password',
  port: 'port', p: 'port',
  connect_timeout: 'connect_timeout', timeout: 'connect_timeout',
  read_timeout: 'read_timeout',
  key: 'key', 'ssl-key': 'key',
  ca: 'ca', 'ssl-ca': 'ca',
  capath: 'capath', 'ssl-capath': 'capath',
  cert: 'cert', 'ssl-cert': 'cert',
  cipher: 'cipher', 'ssl-cipher': 'cipher',
};

function bad(message: string): TurnpikeError {
  return new TurnpikeError(ErrorCode.CONFIG_INVALID, `mysql-userdb connection string: ${message}`);
}

function parseCount(key: string, value: string, max: number): number | undefined {
  if (value === '') return undefined;
  if (!/^\d+$/.test(value)) throw bad(`"${key}" must be a non-negative integer`);
  const n = Number.parseInt(value, 10);
  if (n > max) throw bad(`"${key}" must be at most ${max}`);
  return n === 0 ? undefined : n;
}

/** Parses a `mysql-userdb` value as coturn does; throws `TurnpikeError` CONFIG_INVALID when coturn would refuse it. */
export function parseMysqlConnInfo(text: string): MysqlConnInfo {
  const info: MysqlConnInfo = { host: '127.0.0.1', dbname: '', user: '', password: '' };
  let dbnameGiven = false;
  const words = text.split(' ').filter((w) => w !== '');
  words.forEach((word, index) => {
    const eq = word.indexOf('=');
    if (eq < 0) throw bad(`word ${index + 1} has no "="`);
    const key = word.slice(0, eq);
    const value = word.slice(eq + 1);
    const field = Object.hasOwn(KEYS, key) ? KEYS[key] : undefined;
    if (field === undefined) throw bad(`unknown key "${key}"`);
    switch (field) {
      case 'host': case 'user': case 'password': info[field] = value; break;
      case 'dbname': info.dbname = value; dbnameGiven = true; break;
      case 'port': info.port = parseCount(key, value, 65535); break;
      case 'connect_timeout': info.connectTimeoutSec = parseCount(key, value, 2147483); break;
      case 'read_timeout': info.readTimeoutSec = parseCount(key, value, 2147483); break;
      default: (info.ssl ??= {})[field] = value;
    }
  });
  if (!dbnameGiven || info.dbname === '') throw bad('no database name ("dbname=")');
  return info;
}

/** How a log may show the connection: `mysql://user@host:port/dbname`, never the password. */
export function describeMysqlConnInfo(info: MysqlConnInfo): string {
  const host = info.host.includes(':') ? `[${info.host}]` : info.host;
  const user = info.user ? `${encodeURIComponent(info.user)}@` : '';
  return `mysql://${user}${host}:${info.port ?? 3306}/${encodeURIComponent(info.dbname)}`;
}
