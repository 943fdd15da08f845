/**
 * `turnpike serve`'s own state: an SQLite database in coturn's schema under a data
 * directory. It holds the REST API secret `serve` generates (so credentials handed out before
 * a restart still work after it) and any users an operator adds with
 * `turnpike turnadmin -a -b <data-dir>/turnpike.db -r <realm> …`, which a running `serve`
 * accepts on the next authentication.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { openUserDatabase } from '../db/open.ts';

/** The database file's name inside the data directory. */
export const SERVE_DB_FILE = 'turnpike.db';

/**
 * The default data directory: `TURNPIKE_DATA_DIR` when set; `/var/lib/turnpike` for root;
 * else `$XDG_STATE_HOME/turnpike`, or `~/.local/state/turnpike`.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? -1): string {
  if (env.TURNPIKE_DATA_DIR) return env.TURNPIKE_DATA_DIR;
  if (uid === 0) return '/var/lib/turnpike';
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'turnpike');
}

/** What `serve` authenticates with when the command line names no credentials. */
export interface EmbeddedCredentials {
  /** the SQLite file */
  dbPath: string;
  /** the REST API secret the web API mints credentials with */
  secret: string;
  /** whether the secret was made just now (first start with this data directory) */
  generated: boolean;
}

/** Opens (creating if new) the data directory's database and finds or makes the realm's REST secret. */
export async function embeddedCredentials(dataDir: string, realm: string): Promise<EmbeddedCredentials> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const dbPath = join(dataDir, SERVE_DB_FILE);
  const db = await openUserDatabase({ kind: 'sqlite', connection: dbPath });
  try {
    await db.createSchema();
    // Secrets and keys: the owner's only, whoever's umask made the file.
    chmodSync(dbPath, 0o600);
    const stored = (await db.secrets(realm)).filter((s) => s !== '');
    if (stored.length > 0) return { dbPath, secret: stored[0], generated: false };
    const secret = randomBytes(24).toString('base64url');
    await db.addSecret(realm, secret);
    return { dbPath, secret, generated: true };
  } finally {
    await db.close();
  }
}
