/**
 * Third-party authorization (RFC 7635) on the server side: a request carrying ACCESS-TOKEN and
 * a kid in USERNAME is authenticated with the token's MAC key, once the token opens under the
 * kid's `oauth_key` row and neither the row nor the token is past its lifetime; a row that names
 * a realm puts the allocation in that realm. The checks are
 * coturn's (userdb.c `get_user_key`): five seconds of grace on both lifetimes, a lifetime of 0
 * meaning no limit, the server name (`server-name`, else the realm) as the token's AAD.
 *
 * Rows are kept once read, and a row older than {@link ROW_FRESH_MS} is read again in the
 * background while the kept one answers: a kid seen before is answered at once, with no
 * database round trip. That is what keeps a client's requests in order: coturn's client sends a
 * Refresh with a new token and, right behind it, a ChannelBind signed with the new token's key;
 * were the Refresh waiting on the database, the ChannelBind would be checked against the old
 * key. A key added counts from the next request; one changed or deleted within a minute.
 */
import type { DbOAuthKey, UserDatabase } from '../db/types.ts';
import type { DatabaseHealth } from '../db/health.ts';
import type { KeyLookup } from './credential-store.ts';
import { decodeOAuthToken, oauthKeyFromRow, oauthTimestampSeconds, type OAuthTokenBlock } from './oauth-token.ts';

/** Answers for requests that carry an access token. */
export interface AccessTokenAuthority {
  /**
   * The MAC key of `token`, sealed under `kid`'s key for `serverName` (the AAD: `server-name`,
   * else the realm, as coturn does), as a key look-up (at once for a kid seen before).
   */
  lookup(kid: string, token: Uint8Array, serverName: string, nowMs: number): KeyLookup | Promise<KeyLookup>;
}

/** What the authority needs. */
export interface AccessTokenAuthorityOptions {
  db: Pick<UserDatabase, 'oauthKey'>;
  /** the user database's link state: look-ups during an outage answer at once */
  health?: DatabaseHealth;
  /** a key row that cannot be used (bad as_rs_alg, short key), to be named in the log (once per kid) */
  badRow?: (kid: string, problem: string) => void;
}

/** coturn's OAUTH_TIME_DELTA: seconds of grace past a lifetime. */
const GRACE_SECONDS = 5;
/** MAC key sizes accepted: the HMAC-SHA-1, -256, -384 and -512 key sizes coturn's client uses. */
const MAC_KEY_SIZES: ReadonlySet<number> = new Set([20, 32, 48, 64]);
const FAILED: unique symbol = Symbol('failed');

/** Whether the token block is within its lifetime at `nowSeconds` (RFC 7635 §6.2). */
export function tokenIsCurrent(block: OAuthTokenBlock, nowSeconds: number): boolean {
  return block.lifetime === 0 || nowSeconds < oauthTimestampSeconds(block.timestamp) + block.lifetime + GRACE_SECONDS;
}

/** A kept row is read again in the background once it is this old. */
export const ROW_FRESH_MS = 60_000;
/** Most kids whose rows are kept (the oldest read goes first). */
const MAX_KEPT_ROWS = 10_000;

/** See the module comment. */
export function createAccessTokenAuthority(opts: AccessTokenAuthorityOptions): AccessTokenAuthority {
  const { db, health } = opts;
  const kept = new Map<string, { row: DbOAuthKey; readAt: number; reading: boolean }>();
  /** kids whose unusable rows were named in the log already */
  const reported = new Set<string>();

  /** The row from the database (kept for next time), undefined when there is none, or FAILED. */
  async function read(kid: string, nowMs: number): Promise<DbOAuthKey | undefined | typeof FAILED> {
    if (health?.holdingOff(nowMs)) return FAILED;
    let row: DbOAuthKey | undefined;
    try {
      row = await db.oauthKey(kid);
      health?.succeeded(Date.now());
    } catch (err) {
      if (health === undefined) throw err;
      health.failed(err, Date.now());
      return FAILED;
    }
    kept.delete(kid);
    if (row !== undefined) {
      if (kept.size >= MAX_KEPT_ROWS) kept.delete(kept.keys().next().value as string);
      kept.set(kid, { row, readAt: nowMs, reading: false });
    }
    return row;
  }

  /** The token opened under the row, with coturn's checks (see the module comment). */
  function open(kid: string, row: DbOAuthKey | undefined, token: Uint8Array, serverName: string, nowMs: number): KeyLookup {
    if (row === undefined) return { keys: [], reason: 'oauth-unknown-kid' };
    const nowSeconds = Math.floor(nowMs / 1000);
    if (row.lifetime > 0 && nowSeconds >= row.timestamp + row.lifetime + GRACE_SECONDS) return { keys: [], reason: 'oauth-token-expired' };
    const key = oauthKeyFromRow(row);
    if (!key.ok) {
      if (!reported.has(kid) && reported.size < MAX_KEPT_ROWS) opts.badRow?.(kid, key.error);
      reported.add(kid);
      return { keys: [], reason: 'oauth-unknown-kid' };
    }
    const opened = decodeOAuthToken(serverName, key.key, token);
    if (!opened.ok || !MAC_KEY_SIZES.has(opened.block.macKey.length)) return { keys: [], reason: 'oauth-bad-token' };
    if (!tokenIsCurrent(opened.block, nowSeconds)) return { keys: [], reason: 'oauth-token-expired' };
    const mac = opened.block.macKey;
    // coturn signs and checks MESSAGE-INTEGRITY with the first 16 bytes of a 20-byte mac_key
    // (its HMAC-SHA1 keys are MD5-sized); RFC 7635 §6.2 means the whole key. Both are tried.
    const keys = mac.length === 20 ? [mac, mac.subarray(0, 16)] : [mac];
    const expiresAtMs = opened.block.lifetime === 0 ? undefined : (oauthTimestampSeconds(opened.block.timestamp) + opened.block.lifetime) * 1000;
    return { keys, username: kid, oauth: true, ...(row.realm !== '' ? { realm: row.realm } : {}), ...(expiresAtMs !== undefined ? { expiresAtMs } : {}) };
  }

  return {
    lookup(kid, token, serverName, nowMs) {
      const k = kept.get(kid);
      if (k !== undefined) {
        if (nowMs - k.readAt >= ROW_FRESH_MS && !k.reading) {
          k.reading = true;
          read(kid, nowMs).then((r) => { if (r === FAILED) k.reading = false; }, () => { k.reading = false; });
        }
        return open(kid, k.row, token, serverName, nowMs);
      }
      return read(kid, nowMs).then((row) => (row === FAILED ? { keys: [], reason: 'database-unavailable' } : open(kid, row, token, serverName, nowMs)));
    },
  };
}
