/**
 * The Redis user database (`redis-userdb`), in coturn's key layout
 * (`/usr/share/coturn/schema.userdb.redis`):
 * - `turn/realm/<realm>/user/<name>/key`: string, the hex long-term key;
 * - `turn/realm/<realm>/secret`: set of REST API secrets;
 * - `turn/realm/<realm>/allowed-peer-ip`, `…/denied-peer-ip`: sets of ranges;
 * - `turn/realm/<realm>/max-bps|total-quota|user-quota`: decimal strings (0 deletes the key);
 * - `turn/origin/<origin>`: string, the realm;
 * - `turn/admin_user/<name>`: hash with `password` and, for a realm admin, `realm`.
 *
 * Listings iterate with SCAN (coturn uses KEYS, which blocks a big Redis) and come back sorted.
 * The connection opens on the first call and reconnects in the background with a backoff
 * capped at 5 s; while it is down every call rejects at once with `TurnpikeError` DATABASE.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { Redis, type ChainableCommander } from 'ioredis';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { describeRedisConnInfo, parseRedisConnInfo, type RedisConnInfo } from './redis-conninfo.ts';
import type { DbAdminUser, DbOAuthKey, DbUser, RealmOptionName, UserDatabase, UserDbOptions } from './types.ts';

const REALM = 'turn/realm/';
const ORIGIN = 'turn/origin/';
const ADMIN = 'turn/admin_user/';
const OAUTH = 'turn/oauth/kid/';
const OPTIONS: readonly RealmOptionName[] = ['max-bps', 'total-quota', 'user-quota'];
const BATCH = 500;

const userKey = (realm: string, name: string): string => `${REALM}${realm}/user/${name}/key`;
const secretKey = (realm: string): string => `${REALM}${realm}/secret`;
/** A pattern that matches `s` literally (coturn does not escape; a realm with `*` would glob). */
const glob = (s: string): string => s.replace(/[*?[\]\\]/g, '\\$&');
/** coturn reads numbers with atol: leading digits, else 0. */
const atol = (s: string): number => Number(/^\s*([+-]?\d+)/.exec(s)?.[1] ?? 0);
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Every key matching `pattern`, deduplicated (SCAN may repeat a key). */
async function scan(r: Redis, pattern: string, live: () => boolean): Promise<string[]> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    if (!live()) throw new Error('timed out');
    const [next, batch] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    for (const k of batch) keys.add(k);
    cursor = next;
  } while (cursor !== '0');
  return [...keys];
}

/** One command per key, pipelined in batches; a key of another type (WRONGTYPE) gives undefined, as coturn skips it. */
async function each<T>(r: Redis, keys: readonly string[], add: (p: ChainableCommander, key: string) => void): Promise<(T | undefined)[]> {
  const out: (T | undefined)[] = [];
  for (let i = 0; i < keys.length; i += BATCH) {
    const p = r.pipeline();
    for (const k of keys.slice(i, i + BATCH)) add(p, k);
    for (const [err, value] of (await p.exec()) ?? []) {
      if (err && !err.message.startsWith('WRONGTYPE')) throw err;
      out.push(err ? undefined : (value as T));
    }
  }
  return out;
}

/** Throws the first error of a MULTI's replies. */
function checked(replies: [Error | null, unknown][] | null): unknown[] {
  if (!replies) throw new Error('transaction aborted');
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/**
 * A listing: one command per key (missing keys and keys of another type are left out), each
 * reply mapped to rows, sorted by `order`.
 */
async function rows<V, R>(r: Redis, keys: string[] | Promise<string[]>, add: (p: ChainableCommander, key: string) => void,
  row: (key: string, value: V) => R[], order: (row: R) => string[]): Promise<R[]> {
  const list = await keys;
  const values = await each<V | null>(r, list, add);
  const out = list.flatMap((k, i) => { const v = values[i]; return v === undefined || v === null ? [] : row(k, v); });
  return out.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x.reduce((c, _, i) => c || cmp(x[i], y[i]), 0);
  });
}

/** Node TLS options for a connection string's `tls` keys (files read now). */
export function tlsOptions(info: RedisConnInfo): ConnectionOptions | undefined {
  const t = info.tls;
  if (!t) return undefined;
  const o: ConnectionOptions = { rejectUnauthorized: t.verify };
  const sni = t.sni ?? (isIP(info.host) ? undefined : info.host);
  if (sni) o.servername = sni;
  const ca: string[] = t.ca ? [readFileSync(t.ca, 'utf8')] : [];
  for (const f of t.capath ? readdirSync(t.capath) : []) {
    try {
      const pem = readFileSync(join(t.capath!, f), 'utf8');
      if (pem.includes('-----BEGIN CERTIFICATE-----')) ca.push(pem);
    } catch { /* not a readable file */ }
  }
  if (ca.length > 0) o.ca = ca;
  if (t.cert) o.cert = readFileSync(t.cert);
  if (t.key) o.key = readFileSync(t.key);
  return o;
}

class RedisUserDatabase implements UserDatabase {
  readonly kind = 'redis' as const;
  readonly description: string;
  readonly endpoint: { host: string; port: number };
  readonly #info: RedisConnInfo;
  readonly #timeoutMs: number;
  #redis: Redis | undefined;
  #lastError: string | undefined;
  #fatal: string | undefined;
  #closed = false;

  constructor(info: RedisConnInfo, opts: UserDbOptions) {
    this.#info = info;
    this.#timeoutMs = opts.timeoutMs ?? 5000;
    this.description = describeRedisConnInfo(info);
    this.endpoint = { host: info.host, port: info.port };
  }

  #error(reason: string): TurnpikeError {
    const pwd = this.#info.password;
    const text = pwd ? reason.split(pwd).join('***') : reason;
    return new TurnpikeError(ErrorCode.DATABASE, `redis user database ${this.description}: ${text}`);
  }

  #client(): Redis {
    if (this.#redis) return this.#redis;
    const info = this.#info;
    let tls: ConnectionOptions | undefined;
    try {
      tls = tlsOptions(info);
    } catch (e) {
      throw this.#error(`TLS files: ${messageOf(e)}`);
    }
    const r = new Redis({
      host: info.host, port: info.port, db: info.db, tls,
      ...(info.password ? { password: info.password, username: info.user } : {}),
      lazyConnect: true, enableOfflineQueue: false, enableReadyCheck: false,
      maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false,
      connectTimeout: info.connectTimeoutSec ? info.connectTimeoutSec * 1000 : this.#timeoutMs,
      commandTimeout: this.#timeoutMs, socketTimeout: this.#timeoutMs,
      retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times - 1, 6), 5000),
      protocol: 2, disableClientInfo: true,
      // ioredis keeps a timer this long after disconnecting an already closed socket
      disconnectTimeout: 200,
    });
    r.on('error', (e: Error) => {
      this.#lastError = e.message;
      // a failed SELECT would leave the connection on database 0
      if (/DB index is out of range|invalid DB index|'select' command/i.test(e.message)) this.#fatal = `SELECT ${info.db}: ${e.message}`;
    });
    r.on('ready', () => { this.#lastError = undefined; });
    this.#redis = r;
    return r;
  }

  /** The client once it is ready; waits at most `bound` ms for a connection in progress. */
  async #ready(bound: number): Promise<Redis> {
    if (this.#closed) throw this.#error('closed');
    const r = this.#client();
    if (r.status === 'reconnecting' || r.status === 'close') {
      throw this.#error(`not connected (${this.#lastError ?? 'connection lost'}); reconnecting in the background`);
    }
    if (r.status !== 'ready') {
      if (r.status === 'wait' || r.status === 'end') r.connect().catch(() => {});
      await new Promise<void>((resolve, reject) => {
        const done = (err?: string): void => {
          clearTimeout(timer);
          r.off('ready', onReady).off('close', onClose).off('end', onClose);
          if (err === undefined) resolve();
          else reject(this.#error(err));
        };
        const onReady = (): void => done();
        const onClose = (): void => done(this.#lastError ?? 'connection closed');
        const timer = setTimeout(() => done(`not connected within ${bound} ms`), bound);
        r.once('ready', onReady).once('close', onClose).once('end', onClose);
      });
    }
    if (this.#fatal) throw this.#error(this.#fatal);
    return r;
  }

  /** Runs one operation within the time limits (see `UserDbOptions.timeoutMs`). */
  async #run<T>(what: string, op: (r: Redis, live: () => boolean) => Promise<T>): Promise<T> {
    const start = Date.now();
    const explicit = this.#info.connectTimeoutSec * 1000;
    const r = await this.#ready(explicit || this.#timeoutMs);
    const ms = explicit ? this.#timeoutMs : Math.max(1, this.#timeoutMs - (Date.now() - start));
    let expired = false;
    let timer: NodeJS.Timeout | undefined;
    const work = op(r, () => !expired);
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = true;
        reject(this.#error(`${what}: no answer within ${this.#timeoutMs} ms`));
      }, ms);
    });
    try {
      return await Promise.race([work, limit]);
    } catch (e) {
      work.catch(() => {});
      if (e instanceof TurnpikeError) throw e;
      const lost = r.status !== 'ready' || messageOf(e).startsWith('Reached the max retries');
      throw this.#error(`${what}: ${lost ? `connection lost (${this.#lastError ?? messageOf(e)})` : messageOf(e)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  userKey(realm: string, name: string): Promise<string | undefined> {
    return this.#run('userKey', async (r) => (await r.get(userKey(realm, name))) ?? undefined);
  }

  userKeys(realm: string, names: readonly string[]): Promise<Map<string, string>> {
    return this.#run('userKeys', async (r) => {
      const found = new Map<string, string>();
      if (names.length === 0) return found;
      const values = await r.mget(...names.map((n) => userKey(realm, n)));
      values.forEach((v, i) => {
        if (v !== null) found.set(names[i], v);
      });
      return found;
    });
  }

  setUserKey(realm: string, name: string, hmackey: string): Promise<void> {
    return this.#run('setUserKey', async (r) => void (await r.set(userKey(realm, name), hmackey)));
  }

  deleteUser(realm: string, name: string): Promise<boolean> {
    return this.#run('deleteUser', async (r) => (await r.del(userKey(realm, name))) > 0);
  }

  /** `realm` undefined or '' lists every realm, as coturn does (so do the other listings). */
  listUsers(realm?: string): Promise<DbUser[]> {
    return this.#run('listUsers', (r, live) => rows(r, scan(r, `${REALM}${realm ? glob(realm) : '*'}/user/*/key`, live),
      (p, k) => p.get(k), (k, hmackey: string) => {
        const mid = k.slice(REALM.length, -'/key'.length);
        const at = realm ? realm.length : mid.indexOf('/user/');
        return at < 0 || !mid.startsWith('/user/', at) ? [] : [{ realm: mid.slice(0, at), name: mid.slice(at + 6), hmackey }];
      }, (u) => [u.realm, u.name]));
  }

  secrets(realm: string): Promise<string[]> {
    return this.#run('secrets', async (r) => (await r.smembers(secretKey(realm))).sort(cmp));
  }

  addSecret(realm: string, value: string): Promise<void> {
    return this.#run('addSecret', async (r) => void (await r.sadd(secretKey(realm), value)));
  }

  deleteSecret(realm: string, value: string): Promise<boolean> {
    return this.#run('deleteSecret', async (r) => (await r.srem(secretKey(realm), value)) > 0);
  }

  /** Deletes the secret sets (coturn 4.6's `--delete-all-secrets` does nothing on Redis). */
  deleteAllSecrets(realm?: string): Promise<number> {
    return this.#run('deleteAllSecrets', async (r, live) => {
      const keys = realm === undefined ? await scan(r, `${REALM}*/secret`, live) : [secretKey(realm)];
      const types = await each<string>(r, keys, (p, k) => p.type(k));
      let gone = 0;
      for (const k of keys.filter((_, i) => types[i] === 'set')) {
        gone += Number(checked(await r.multi().scard(k).del(k).exec())[0]);
      }
      return gone;
    });
  }

  listSecrets(realm?: string): Promise<{ realm: string; value: string }[]> {
    return this.#run('listSecrets', (r, live) => rows(r, realm ? [secretKey(realm)] : scan(r, `${REALM}*/secret`, live),
      (p, k) => p.smembers(k), (k, values: string[]) => values.map((value) => ({ realm: k.slice(REALM.length, -'/secret'.length), value })),
      (s) => [s.realm, s.value]));
  }

  peerRanges(realm: string): Promise<{ allowed: string[]; denied: string[] }> {
    return this.#run('peerRanges', async (r) => {
      const keys = [`${REALM}${realm}/allowed-peer-ip`, `${REALM}${realm}/denied-peer-ip`];
      const [allowed, denied] = await each<string[]>(r, keys, (p, k) => p.smembers(k));
      return { allowed: (allowed ?? []).sort(cmp), denied: (denied ?? []).sort(cmp) };
    });
  }

  /** coturn's hash `turn/oauth/kid/<kid>`: ikm_key, as_rs_alg, timestamp, lifetime, realm. */
  oauthKey(kid: string): Promise<DbOAuthKey | undefined> {
    return this.#run('oauthKey', async (r) => {
      const h = await r.hgetall(OAUTH + kid);
      if (h.ikm_key === undefined) return undefined;
      return { kid, ikmKey: h.ikm_key.trim(), timestamp: atol(h.timestamp ?? ''), lifetime: atol(h.lifetime ?? ''), asRsAlg: (h.as_rs_alg ?? '').trim(), realm: h.realm ?? '' };
    });
  }

  originRealm(origin: string): Promise<string | undefined> {
    return this.#run('originRealm', async (r) => (await r.get(ORIGIN + origin)) ?? undefined);
  }

  addOrigin(origin: string, realm: string): Promise<void> {
    return this.#run('addOrigin', async (r) => void (await r.set(ORIGIN + origin, realm)));
  }

  deleteOrigin(origin: string): Promise<boolean> {
    return this.#run('deleteOrigin', async (r) => (await r.del(ORIGIN + origin)) > 0);
  }

  listOrigins(realm?: string): Promise<{ origin: string; realm: string }[]> {
    return this.#run('listOrigins', (r, live) => rows(r, scan(r, `${ORIGIN}*`, live), (p, k) => p.get(k),
      (k, value: string) => (!realm || value === realm ? [{ origin: k.slice(ORIGIN.length), realm: value }] : []), (o) => [o.origin]));
  }

  async realmOptions(realm: string): Promise<Partial<Record<RealmOptionName, number>>> {
    const out: Partial<Record<RealmOptionName, number>> = {};
    for (const o of await this.#options('realmOptions', realm)) out[o.option] = o.value;
    return out;
  }

  /** A value of 0 deletes the option (coturn: `set` for > 0, else `del`). */
  setRealmOption(realm: string, option: RealmOptionName, value: number): Promise<void> {
    if (!Number.isSafeInteger(value) || value < 0 || !OPTIONS.includes(option)) {
      return Promise.reject(new TurnpikeError(ErrorCode.USAGE, `realm option ${String(option)} must be a whole number >= 0, not ${value}`));
    }
    const key = `${REALM}${realm}/${option}`;
    return this.#run('setRealmOption', async (r) => void (value > 0 ? await r.set(key, String(value)) : await r.del(key)));
  }

  listRealmOptions(realm?: string): Promise<{ realm: string; option: RealmOptionName; value: number }[]> {
    return this.#options('listRealmOptions', realm || undefined);
  }

  /** The options of one realm, or (`realm` undefined) of every realm. */
  #options(what: string, realm: string | undefined): Promise<{ realm: string; option: RealmOptionName; value: number }[]> {
    return this.#run(what, async (r, live) => {
      const keys = realm !== undefined ? OPTIONS.map((o) => `${REALM}${realm}/${o}`)
        : (await Promise.all(OPTIONS.map((o) => scan(r, `${REALM}*/${o}`, live)))).flat();
      return rows(r, keys, (p, k) => p.get(k), (k, value: string) => {
        const slash = k.lastIndexOf('/');
        return [{ realm: k.slice(REALM.length, slash), option: k.slice(slash + 1) as RealmOptionName, value: atol(value) }];
      }, (o) => [o.realm, o.option]);
    });
  }

  adminUser(name: string): Promise<DbAdminUser | undefined> {
    return this.#run('adminUser', async (r) => {
      const h = await r.hgetall(ADMIN + name);
      return h.password === undefined ? undefined : { name, realm: h.realm ?? '', password: h.password };
    });
  }

  /** Unlike coturn, a realm of '' removes an old `realm` field, so the user does become a superuser. */
  setAdminUser(user: DbAdminUser): Promise<void> {
    const key = ADMIN + user.name;
    return this.#run('setAdminUser', async (r) => {
      const tx = user.realm ? r.multi().hset(key, 'realm', user.realm, 'password', user.password)
        : r.multi().hdel(key, 'realm').hset(key, 'password', user.password);
      checked(await tx.exec());
    });
  }

  deleteAdminUser(name: string): Promise<boolean> {
    return this.#run('deleteAdminUser', async (r) => (await r.del(ADMIN + name)) > 0);
  }

  /** Only hashes with a `password` field count, as in coturn. */
  listAdminUsers(): Promise<DbAdminUser[]> {
    return this.#run('listAdminUsers', (r, live) => rows(r, scan(r, `${ADMIN}*`, live),
      (p, k) => p.hgetall(k), (k, h: Record<string, string>) => (h.password === undefined ? [] : [{ name: k.slice(ADMIN.length), realm: h.realm ?? '', password: h.password }]),
      (u) => [u.name]));
  }

  /** Redis has no schema. */
  async createSchema(): Promise<void> {}

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const r = this.#redis;
    if (!r) return;
    if (r.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([r.quit().catch(() => {}), new Promise((resolve) => { timer = setTimeout(resolve, this.#timeoutMs); })]);
      clearTimeout(timer);
    }
    if (r.status !== 'end') r.disconnect();
  }
}

/**
 * Opens a Redis user database from coturn's connection string (see `redis-conninfo.ts`);
 * nothing connects until the first call. Throws `TurnpikeError` CONFIG_INVALID for a bad string.
 */
export function openRedisUserDatabase(conninfo: string, opts: UserDbOptions): UserDatabase {
  return new RedisUserDatabase(parseRedisConnInfo(conninfo), opts);
}
