/**
 * A throw-away SQLite user database for third-party authorization tests (RFC 7635): coturn's
 * schema, `oauth_key` rows (lifetime 0, no timestamp) and, when asked, `turn_realm_option` rows,
 * in a fresh temporary directory that `remove` deletes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { schemaStatements } from '../../src/db/sql-statements.ts';

/** One `oauth_key` row: the kid, its base64 key, its algorithm, and the realm ('' for none). */
export interface OAuthKeyRow {
  kid: string;
  ikmKey: string;
  asRsAlg: string;
  realm?: string;
}

/** One `turn_realm_option` row (`max-bps`, `user-quota`, `total-quota`). */
export interface RealmOptionRow {
  realm: string;
  opt: 'max-bps' | 'user-quota' | 'total-quota';
  value: number;
}

/** The database file (for `userdb=`) and its clean-up. */
export interface OAuthDb {
  file: string;
  remove(): void;
}

/** Writes the database with `keys` and `realmOptions`. */
export function writeOAuthDb(keys: readonly OAuthKeyRow[], realmOptions: readonly RealmOptionRow[] = []): OAuthDb {
  const dir = mkdtempSync(join(tmpdir(), 'turnpike-oauth-'));
  const file = join(dir, 'turndb');
  const db = new DatabaseSync(file);
  try {
    for (const statement of schemaStatements('sqlite')) db.exec(statement);
    const key = db.prepare('insert into oauth_key (kid,ikm_key,timestamp,lifetime,as_rs_alg,realm) values (?,?,0,0,?,?)');
    for (const k of keys) key.run(k.kid, k.ikmKey, k.asRsAlg, k.realm ?? '');
    const option = db.prepare('insert into turn_realm_option (realm,opt,value) values (?,?,?)');
    for (const o of realmOptions) option.run(o.realm, o.opt, String(o.value));
  } finally {
    db.close();
  }
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
