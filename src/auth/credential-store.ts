import type { TransportProtocol } from '../turn/five-tuple.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { longTermKey, longTermKeySha256, longTermKeyUnprepared } from './long-term-key.ts';
import { userhashOf } from './password-algorithms.ts';
import { checkRestExpiry, parseRestUsername, restApiPassword } from './rest-api.ts';

/**
 * The answer to "which long-term keys may user U in realm R hold?" (RFC 8489 §9.2.2): the
 * server tries each key against MESSAGE-INTEGRITY. Several keys when REST secrets rotate
 * (each secret yields one) or when a password has two spellings; none when the user is
 * unknown, with `reason` saying why so the 401 can be logged usefully.
 */
export interface KeyLookup {
  keys: Uint8Array[];
  /**
   * The keys for PASSWORD-ALGORITHM SHA-256 (RFC 8489 §9.2.2, §18.5): SHA-256(user:realm:password),
   * known only where the password is (a `user=` line with a password, a REST API secret).
   * Missing or empty: a client that chose SHA-256 gets 401.
   */
  sha256Keys?: Uint8Array[];
  /** The user's name when the request named the user by USERHASH (RFC 8489 §14.4), or the kid of an access token. */
  username?: string;
  /** The key is the MAC key of an access token (RFC 7635 §6.2), not one derived from a password. */
  oauth?: boolean;
  /**
   * With `oauth`: the realm of the token's `oauth_key` row, when the row names one. The
   * allocation then belongs to that realm (its quotas, limits and peer ranges), as coturn does.
   */
  realm?: string;
  /**
   * With `oauth`: when the token's lifetime ends (ms since the epoch); undefined for a token
   * without one. An allocation made or refreshed with the token lives no longer (RFC 7635 §6.2).
   */
  expiresAtMs?: number;
  reason?: 'unknown-user' | 'rest-expired' | 'rest-milliseconds' | 'rest-malformed' | 'database-unavailable' | 'oauth-unknown-kid' | 'oauth-bad-token' | 'oauth-token-expired';
}

/**
 * Where long-term credentials come from (RFC 8489 §9.2): static users from the config,
 * REST API secrets, or a user database. Chosen at start-up; the TURN core only calls
 * `lookup`. A store that needs I/O returns a promise; the static store answers at once.
 */
export interface CredentialStore {
  /** `source`: the client asking, for stores that decide by it (an embedding program's hook). */
  lookup(username: string, realm: string, nowMs: number, source?: ClientSource): KeyLookup | Promise<KeyLookup>;
  /**
   * The name of the user whose USERHASH (RFC 8489 §14.4) in `realm` is `userhash`, for stores
   * that can tell (the configuration's own users); undefined when none matches.
   */
  resolveUserhash?(userhash: Uint8Array, realm: string): string | undefined;
  /** Releases connections and timers, for stores that hold any. */
  close?(): Promise<void>;
}

/** The client a request came from. */
export interface ClientSource {
  readonly ip: string;
  readonly port: number;
  readonly transport: TransportProtocol;
}

/** A credential store whose answers never need I/O: `lookup` returns a plain object. */
export interface SyncCredentialStore extends CredentialStore {
  lookup(username: string, realm: string, nowMs: number): KeyLookup;
}

/** One `user=name:password` or `user=name:0x<key>` line of turnserver.conf. */
export interface StaticUser {
  name: string;
  /** The plain password; the key is derived once, at start-up. */
  password?: string;
  /** The 16-byte MD5 long-term key, as `user=name:0x…` gives it. Wins over `password`. */
  key?: Uint8Array;
}

/** Options of {@link createStaticCredentialStore}, in coturn's terms. */
export interface StaticCredentialStoreOptions {
  /** `user=` lines. */
  users: StaticUser[];
  /** `realm=`: static users belong to this realm only. */
  realm: string;
  /** `use-auth-secret`: accept TURN REST API credentials. */
  useAuthSecret: boolean;
  /** `static-auth-secret=` values, all accepted (secret rotation). */
  staticAuthSecrets: string[];
  /** `rest-api-separator` (coturn's default is ":"). */
  restApiSeparator: string;
}

/** MD5 long-term keys are 16 bytes (RFC 8489 §9.2.2). */
const KEY_BYTES = 16;

/**
 * The credential store of a config file: `user=` lines and `static-auth-secret=` values
 * (RFC 8489 §9.2.2 keys; TURN REST API, draft-uberti-behave-turn-rest-00 §2.2).
 *
 * Static users' keys are computed once here. When a password's prepared form (see
 * `saslPrep`) differs from the raw string, the key of the raw string is offered too,
 * because browsers hash passwords unprepared.
 *
 * When both static users and `use-auth-secret` are configured, a username that parses as
 * a REST API username with a timestamp ("1700000000:alice", "alice:1700000000", "1700000000")
 * is checked against the secrets only, and any other username against the static users
 * only. A REST username whose expiry has passed, or is written in milliseconds, gets no
 * keys and a reason. Static users exist in `realm` only; REST keys are computed for
 * whichever realm the lookup names. Throws `TurnpikeError` CONFIG_INVALID for a user with neither a
 * password nor a 16-byte key.
 */
export function createStaticCredentialStore(opts: StaticCredentialStoreOptions): SyncCredentialStore & Required<Pick<CredentialStore, 'resolveUserhash'>> {
  const staticKeys = new Map<string, Uint8Array[]>();
  const staticSha256Keys = new Map<string, Uint8Array[]>();
  /** hex USERHASH → name, for the configured realm (RFC 8489 §14.4) */
  const byUserhash = new Map<string, string>();
  for (const user of opts.users) {
    staticKeys.set(user.name, staticUserKeys(user, opts.realm));
    if (user.key === undefined && user.password !== undefined) staticSha256Keys.set(user.name, [longTermKeySha256(user.name, opts.realm, user.password)]);
    byUserhash.set(userhashOf(user.name, opts.realm).toString('hex'), user.name);
  }
  const secrets = [...opts.staticAuthSecrets];

  function lookupStatic(username: string, realm: string): KeyLookup | undefined {
    const keys = realm === opts.realm ? staticKeys.get(username) : undefined;
    return keys ? { keys: [...keys], sha256Keys: [...(staticSha256Keys.get(username) ?? [])] } : undefined;
  }

  return {
    resolveUserhash(userhash, realm) {
      return realm === opts.realm ? byUserhash.get(Buffer.from(userhash).toString('hex')) : undefined;
    },
    lookup(username, realm, nowMs) {
      if (!opts.useAuthSecret) return lookupStatic(username, realm) ?? { keys: [], reason: 'unknown-user' };
      const rest = parseRestUsername(username, opts.restApiSeparator);
      if (!rest.ok) return lookupStatic(username, realm) ?? { keys: [], reason: 'rest-malformed' };
      const expiry = checkRestExpiry(rest.expiresAt, nowMs);
      if (expiry === 'expired') return { keys: [], reason: 'rest-expired' };
      if (expiry === 'milliseconds') return { keys: [], reason: 'rest-milliseconds' };
      if (secrets.length === 0) return { keys: [], reason: 'unknown-user' };
      return restApiKeys(username, realm, secrets);
    },
  };
}

/**
 * The keys of a TURN REST API username under each secret: MD5 and, since the password is
 * known, SHA-256 (RFC 8489 §9.2.2).
 */
export function restApiKeys(username: string, realm: string, secrets: readonly string[]): KeyLookup {
  const passwords = secrets.map((secret) => restApiPassword(secret, username));
  return {
    keys: passwords.map((password) => longTermKey(username, realm, password)),
    sha256Keys: passwords.map((password) => longTermKeySha256(username, realm, password)),
  };
}

function staticUserKeys(user: StaticUser, realm: string): Uint8Array[] {
  if (user.key !== undefined) {
    if (user.key.byteLength !== KEY_BYTES) {
      throw new TurnpikeError(
        ErrorCode.CONFIG_INVALID,
        `user '${user.name}': a key must be ${KEY_BYTES} bytes (0x and 32 hex digits), got ${user.key.byteLength}`,
      );
    }
    return [Uint8Array.from(user.key)];
  }
  if (user.password === undefined) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `user '${user.name}' has neither a password nor a 0x key`);
  }
  const prepared = longTermKey(user.name, realm, user.password);
  const raw = longTermKeyUnprepared(user.name, realm, user.password);
  return prepared.equals(raw) ? [prepared] : [prepared, raw];
}
