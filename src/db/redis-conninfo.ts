/**
 * coturn's `redis-userdb` connection string (`turnadmin -N`), e.g.
 * `ip=127.0.0.1 dbname=2 password=turn port=6379 connect_timeout=30`: `key=value` words
 * separated by spaces, read as coturn's `RyconninfoParse` reads them (same keys, aliases,
 * defaults; an unknown key or a word without `=` is an error). Values cannot contain spaces.
 *
 * Turnpike is stricter than coturn in one way: coturn reads numbers with `atoi` (so `port=abc`
 * silently means the default port and `dbname=x` silently stays on database 0); here a value
 * that is not a decimal number is an error.
 */
import { ErrorCode, TurnpikeError } from '../errors.ts';

/** TLS settings (`tls=1` and the `tls-*` keys of newer coturn). */
export interface RedisTlsInfo {
  /** `tls-ca`/`ca`/`cacert`: a CA certificate (bundle) file */
  ca?: string;
  /** `tls-capath`/`capath`: a directory of CA certificates */
  capath?: string;
  /** `tls-cert`/`cert`: a client certificate file (mutual TLS) */
  cert?: string;
  /** `tls-key`/`clientkey`: the client private key file */
  key?: string;
  /** `tls-sni`/`sni`/`servername`: the name to send and verify; default the host */
  sni?: string;
  /** `tls-verify`/`verify`: false for `none`, `0` or `false`; default true */
  verify: boolean;
}

/** A parsed connection string, defaults applied. */
export interface RedisConnInfo {
  /** `host`/`ip`/`addr`/`ipaddr`/`hostaddr`; default 127.0.0.1 */
  host: string;
  /** `port`/`p`; default (and for 0) 6379 */
  port: number;
  /** `dbname`/`db`/`database`: the database number; default 0 */
  db: number;
  /** `user`/`uname`/`name`/`username`: the ACL user (Redis 6+), sent only with a password */
  user?: string;
  /** `password`/`pwd`/`passwd`/`secret`: sent with AUTH when not empty */
  password?: string;
  /** `connect_timeout`/`timeout` in seconds; 0 when not given */
  connectTimeoutSec: number;
  /** present when `tls`/`ssl` is `1`, `true`, `on` or `yes` */
  tls?: RedisTlsInfo;
}

/** The default Redis port, as coturn's DEFAULT_REDIS_PORT. */
export const DEFAULT_REDIS_PORT = 6379;

type Field = 'host' | 'db' | 'user' | 'password' | 'port' | 'timeout' | 'tls' | 'ca' | 'capath' | 'cert' | 'key' | 'sni' | 'verify';

const KEYS: Record<string, Field> = {
  host: 'host', ip: 'host', addr: 'host', ipaddr: 'host', hostaddr: 'host',
  dbname: 'db', db: 'db', database: 'db',
  user: 'user', uname: 'user', name: 'user', username: 'user',
  password: 'password', pwd: 'password', passwd: 'password', secret: 'password',
  port: 'port', p: 'port',
  connect_timeout: 'timeout', timeout: 'timeout',
  tls: 'tls', ssl: 'tls',
  'tls-ca': 'ca', ca: 'ca', cacert: 'ca',
  'tls-capath': 'capath', capath: 'capath',
  'tls-cert': 'cert', cert: 'cert',
  'tls-key': 'key', clientkey: 'key',
  'tls-sni': 'sni', sni: 'sni', servername: 'sni',
  'tls-verify': 'verify', verify: 'verify',
};

function invalid(message: string): TurnpikeError {
  return new TurnpikeError(ErrorCode.CONFIG_INVALID, `redis-userdb connection string: ${message}`);
}

function decimal(key: string, value: string, max: number): number {
  if (value === '') return 0;
  if (!/^\d+$/.test(value) || Number(value) > max) {
    throw invalid(`${key}=${value} is not a number from 0 to ${max}`);
  }
  return Number(value);
}

/**
 * Parses a connection string; throws `TurnpikeError` CONFIG_INVALID naming the offending key
 * (never a value, which could be a piece of a password).
 */
export function parseRedisConnInfo(conninfo: string): RedisConnInfo {
  const seen: Partial<Record<Field, string>> = {};
  const words = conninfo.split(/[ \t\r\n]+/).filter((w) => w !== '');
  words.forEach((word, i) => {
    const eq = word.indexOf('=');
    if (eq < 0) {
      throw invalid(`word ${i + 1} has no '=' (the form is key=value separated by spaces; values cannot contain spaces)`);
    }
    const key = word.slice(0, eq);
    const field = Object.hasOwn(KEYS, key) ? KEYS[key] : undefined;
    if (field === undefined) {
      throw invalid(`unknown key '${key}' (known: host, port, dbname, user, password, connect_timeout, tls, tls-ca, tls-capath, tls-cert, tls-key, tls-sni, tls-verify and their aliases)`);
    }
    seen[field] = word.slice(eq + 1); // a later key wins, as in coturn
  });

  const info: RedisConnInfo = {
    host: seen.host || '127.0.0.1',
    port: decimal('port', seen.port ?? '', 65535) || DEFAULT_REDIS_PORT,
    db: decimal('dbname', seen.db ?? '', 2 ** 31 - 1),
    connectTimeoutSec: decimal('connect_timeout', seen.timeout ?? '', 2 ** 31 - 1),
  };
  if (seen.user) info.user = seen.user;
  if (seen.password) info.password = seen.password;
  const on = seen.tls !== undefined && ['1', 'true', 'on', 'yes'].includes(seen.tls);
  if (on) {
    const tls: RedisTlsInfo = { verify: !['none', '0', 'false'].includes(seen.verify ?? '') };
    if (seen.ca) tls.ca = seen.ca;
    if (seen.capath) tls.capath = seen.capath;
    if (seen.cert) tls.cert = seen.cert;
    if (seen.key) tls.key = seen.key;
    if (seen.sni) tls.sni = seen.sni;
    info.tls = tls;
  }
  return info;
}

/** The connection as a log may show it, e.g. `redis://127.0.0.1:6379/2`: never the password. */
export function describeRedisConnInfo(info: RedisConnInfo): string {
  const host = info.host.includes(':') ? `[${info.host}]` : info.host;
  const user = info.user ? `${encodeURIComponent(info.user)}@` : '';
  return `${info.tls ? 'rediss' : 'redis'}://${user}${host}:${info.port}/${info.db}`;
}
