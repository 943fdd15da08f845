/**
 * Long-term credentials from a user database (coturn's `turnusers_lt` and `turn_secret`),
 * next to the configuration's own users and secrets (RFC 8489 §9.2.2; TURN REST API,
 * draft-uberti-behave-turn-rest-00 §2.2).
 *
 * Each look-up reads the database: a user added, deleted or re-keyed, or a secret added or
 * deleted, counts from the next authentication on, with nothing cached. Configured users and
 * secrets are tried first and need no round trip; REST secrets come from the database only
 * when the configuration has none, as in coturn. While the database is down, look-ups answer
 * `database-unavailable` (a 401) at once, within `DatabaseHealth`'s backoff.
 *
 * Look-ups that arrive together go to the database as one query per realm (`KeyBatcher`), and
 * overlapping look-ups of one realm's secrets share one query: a burst of Allocates, or a
 * client's retransmission, costs one round trip, whose answer is as fresh as if each had asked.
 */
import { checkRestExpiry, parseRestUsername } from './rest-api.ts';
import { createStaticCredentialStore, restApiKeys, type CredentialStore, type KeyLookup, type StaticCredentialStoreOptions } from './credential-store.ts';
import type { UserDatabase } from '../db/types.ts';
import type { DatabaseHealth } from '../db/health.ts';
import type { Logger } from '../log/logger.ts';
import { KeyBatcher } from './key-batcher.ts';

/** What the store is made of. */
export interface DatabaseCredentialStoreOptions extends StaticCredentialStoreOptions {
  db: UserDatabase;
  health: DatabaseHealth;
  log: Logger;
  /** with `useAuthSecret`, look up a username that is no REST username among the database's users too */
  usersWithAuthSecret?: boolean;
}

const HEX_KEY = /^[0-9a-fA-F]{32}$/;
const UNAVAILABLE: KeyLookup = Object.freeze({ keys: [], reason: 'database-unavailable' }) as KeyLookup;
const UNKNOWN: KeyLookup = Object.freeze({ keys: [], reason: 'unknown-user' }) as KeyLookup;
const FAILED: unique symbol = Symbol('failed');
/** Bad rows named in the log at most once each, up to this many. */
const MAX_REPORTED_ROWS = 1000;

/** See the module comment. */
export function createDatabaseCredentialStore(opts: DatabaseCredentialStoreOptions): CredentialStore {
  const configured = createStaticCredentialStore(opts);
  const { db, health, log } = opts;
  const reported = new Set<string>();
  const inFlight = new Map<string, Promise<unknown>>();
  const batcher = new KeyBatcher(db);

  /** Runs `query` unless the same one is already running; then shares its answer. */
  function shared<T>(key: string, query: () => Promise<T>): Promise<T> {
    let running = inFlight.get(key) as Promise<T> | undefined;
    if (running === undefined) {
      running = query().finally(() => inFlight.delete(key));
      inFlight.set(key, running);
    }
    return running;
  }

  function badRow(table: string, row: string, why: string): void {
    if (reported.size >= MAX_REPORTED_ROWS || reported.has(`${table}\n${row}`)) return;
    reported.add(`${table}\n${row}`);
    log.warn('user-database-bad-row', { backend: db.description, table, row, problem: why, effect: 'skipped' });
  }

  /** The database's answer, or FAILED (an outage, logged by `health`). */
  async function ask<T>(query: () => Promise<T>, nowMs: number): Promise<T | typeof FAILED> {
    if (health.holdingOff(nowMs)) return FAILED;
    try {
      const answer = await query();
      health.succeeded(Date.now());
      return answer;
    } catch (err) {
      health.failed(err, Date.now());
      return FAILED;
    }
  }

  async function userKeys(username: string, realm: string, nowMs: number): Promise<KeyLookup> {
    const stored = await ask(() => batcher.key(realm, username), nowMs);
    if (stored === FAILED) return UNAVAILABLE;
    if (stored === undefined) return UNKNOWN;
    const hex = stored.trim();
    if (!HEX_KEY.test(hex)) {
      badRow('turnusers_lt', `realm=${realm} name=${username}`, `hmackey is not 32 hex digits (${hex.length} characters)`);
      return UNKNOWN;
    }
    return { keys: [Buffer.from(hex, 'hex')] };
  }

  async function restKeys(username: string, realm: string, nowMs: number): Promise<KeyLookup> {
    const secrets = await shared(`s\n${realm}`, () => ask(() => db.secrets(realm), nowMs));
    if (secrets === FAILED) return UNAVAILABLE;
    const usable = secrets.filter((s) => {
      if (s !== '') return true;
      badRow('turn_secret', `realm=${realm}`, 'empty secret');
      return false;
    });
    if (usable.length === 0) return UNKNOWN;
    return restApiKeys(username, realm, usable);
  }

  return {
    lookup(username, realm, nowMs) {
      const first = configured.lookup(username, realm, nowMs);
      if (first.keys.length > 0) return first;
      if (!opts.useAuthSecret) return userKeys(username, realm, nowMs);
      // The REST API decides alone, as in coturn: a username without a timestamp, or expired, is refused.
      const rest = parseRestUsername(username, opts.restApiSeparator);
      if (!rest.ok && opts.usersWithAuthSecret) return userKeys(username, realm, nowMs);
      if (!rest.ok || checkRestExpiry(rest.expiresAt, nowMs) !== 'valid') return first;
      return opts.staticAuthSecrets.length > 0 ? first : restKeys(username, realm, nowMs);
    },
    // The database keeps names and MD5 keys only: USERHASH finds the configuration's users alone.
    resolveUserhash: (userhash, realm) => configured.resolveUserhash(userhash, realm),
    close: () => db.close(),
  };
}
