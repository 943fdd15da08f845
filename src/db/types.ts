/**
 * A user database in coturn's layout (`/usr/share/coturn/schema.sql`, `schema.userdb.redis`):
 * long-term users, REST secrets, peer ranges, origin-to-realm mapping, realm options and admin
 * users, per realm. One interface for SQLite, PostgreSQL, MySQL/MariaDB and Redis, read by the
 * server and written by `turnpike turnadmin`, so a database written by either Turnpike or
 * coturn works with both.
 *
 * Values are as coturn stores them: a long-term key is the 32 lower-case hex digits of
 * MD5(name:realm:password) (RFC 8489 §9.2.2) — or, with `secret-key-file`, coturn's AES
 * encryption of them; an admin password is coturn's `$5$` hash; peer ranges are text as in
 * `allowed-peer-ip`. Every method may reject with `TurnpikeError` DATABASE (unreachable,
 * refused); nothing here caches.
 */

/** Which backend, and the connection text of its option (coturn's forms). */
export type UserDbKind = 'sqlite' | 'postgresql' | 'mysql' | 'redis';

/** A long-term user (`turnusers_lt`). */
export interface DbUser {
  realm: string;
  name: string;
  /** as stored: 32 hex digits, or the AES-encrypted form with `secret-key-file` */
  hmackey: string;
}

/** An admin user (`admin_user`). */
export interface DbAdminUser {
  name: string;
  /** '' for a superuser of every realm */
  realm: string;
  /** coturn's `$5$salt$sha256` */
  password: string;
}

/**
 * A third-party authorization key (`oauth_key`, RFC 7635 §4.1): the key the authorization
 * server and this server share to seal access tokens, found by the token's kid.
 */
export interface DbOAuthKey {
  kid: string;
  /** as stored: the base64 of the input keying material */
  ikmKey: string;
  /** unix seconds the key was made (0: unset) */
  timestamp: number;
  /** seconds the key is good for after `timestamp` (0: no limit) */
  lifetime: number;
  /** 'A256GCM' or 'A128GCM' as coturn writes it ('' means A256GCM) */
  asRsAlg: string;
  /** the realm of the users this key serves ('' when not set) */
  realm: string;
}

/** Options every backend takes. */
export interface UserDbOptions {
  /**
   * How long one operation (including connecting) may take before it rejects with
   * `TurnpikeError` DATABASE; the connection string's `connect_timeout` wins for connecting.
   * Default 5000 ms.
   */
  timeoutMs?: number;
  /** `secret-key-file`'s 16-byte AES-128 key: the MySQL password in the connection string is encrypted (`turnadmin -E`). */
  secretKey?: Uint8Array;
}

/** Realm options coturn keeps in `turn_realm_option`. */
export type RealmOptionName = 'max-bps' | 'total-quota' | 'user-quota';

/** See the module comment. */
export interface UserDatabase {
  readonly kind: UserDbKind;
  /** the connection as a log may show it: no password */
  readonly description: string;
  /**
   * Where the server is, for the peer policy: a relay must never reach its own database
   * (coturn refuses peers on its backends' addresses). Undefined for SQLite.
   */
  readonly endpoint?: { host: string; port: number };

  /** Long-term users (RFC 8489 §9.2.2). */
  userKey(realm: string, name: string): Promise<string | undefined>;
  /**
   * The keys of several users of one realm in one round trip (name → hmackey as stored; users
   * that do not exist are missing). The server batches the look-ups that arrive together.
   */
  userKeys?(realm: string, names: readonly string[]): Promise<Map<string, string>>;
  setUserKey(realm: string, name: string, hmackey: string): Promise<void>;
  /** true when there was such a user */
  deleteUser(realm: string, name: string): Promise<boolean>;
  /** every user, or those of one realm */
  listUsers(realm?: string): Promise<DbUser[]>;

  /** TURN REST API shared secrets of a realm (`turn_secret`). */
  secrets(realm: string): Promise<string[]>;
  addSecret(realm: string, value: string): Promise<void>;
  /** true when there was such a secret */
  deleteSecret(realm: string, value: string): Promise<boolean>;
  /** every secret of a realm, or of every realm when `realm` is undefined; how many went */
  deleteAllSecrets(realm?: string): Promise<number>;
  /** secrets of every realm, for `turnadmin -S` without a realm */
  listSecrets(realm?: string): Promise<{ realm: string; value: string }[]>;

  /** The `oauth_key` row of a kid (RFC 7635), or undefined when there is none. */
  oauthKey(kid: string): Promise<DbOAuthKey | undefined>;

  /** Peer ranges (`allowed_peer_ip`, `denied_peer_ip`) of a realm, as text. */
  peerRanges(realm: string): Promise<{ allowed: string[]; denied: string[] }>;

  /** ORIGIN (RFC 8016 / coturn's third-party origin) to realm. */
  originRealm(origin: string): Promise<string | undefined>;
  addOrigin(origin: string, realm: string): Promise<void>;
  deleteOrigin(origin: string): Promise<boolean>;
  listOrigins(realm?: string): Promise<{ origin: string; realm: string }[]>;

  /** Realm options; a value of 0 deletes the option, as coturn's turnadmin does. */
  realmOptions(realm: string): Promise<Partial<Record<RealmOptionName, number>>>;
  setRealmOption(realm: string, option: RealmOptionName, value: number): Promise<void>;
  listRealmOptions(realm?: string): Promise<{ realm: string; option: RealmOptionName; value: number }[]>;

  /** Admin users of the web admin. */
  adminUser(name: string): Promise<DbAdminUser | undefined>;
  setAdminUser(user: DbAdminUser): Promise<void>;
  deleteAdminUser(name: string): Promise<boolean>;
  listAdminUsers(): Promise<DbAdminUser[]>;

  /**
   * Creates coturn's tables (or nothing, for Redis) when they are missing; the SQLite backend
   * does this itself for a new file, as coturn does. Used by tests and by `serve`.
   */
  createSchema(): Promise<void>;

  /** Closes connections and timers. */
  close(): Promise<void>;
}
