/**
 * The configuration as the admin page shows it: the effective `Config`, with the values of
 * every option the option table marks `secret: true` masked. `SECRET_FIELDS` says which
 * `Config` fields each secret option lands in; a test checks that every secret option is
 * listed here, so a new secret option cannot leak unnoticed.
 */
import type { Config } from '../config/types.ts';

/** What a masked value reads as. */
export const MASK = '••••••';

/** How each secret option's value is masked in a (copied) config. */
const SECRET_FIELDS: Record<string, ((c: MutableConfig) => void) | 'not-in-config'> = {
  // user=name:password (or name:0xKEY): the name stays, the password or key goes.
  user: (c) => {
    c.users = (c.users as Config['users']).map((u) => ({ name: u.name, ...(u.password !== undefined ? { password: MASK } : {}), ...(u.key !== undefined ? { key: MASK } : {}) }));
  },
  'static-auth-secret': (c) => { c.staticAuthSecrets = (c.staticAuthSecrets as string[]).map(() => MASK); },
  'stateless-nonce-secret': (c) => {
    if (c.statelessNonceSecret !== undefined) c.statelessNonceSecret = MASK;
    if (Array.isArray(c.statelessNoncePreviousSecrets)) c.statelessNoncePreviousSecrets = c.statelessNoncePreviousSecrets.map(() => MASK);
  },
  'api-key': (c) => { c.apiKeys = (c.apiKeys as string[]).map(() => MASK); },
  'pkey-pwd': (c) => {
    const tls = c.tls as Config['tls'];
    c.tls = { ...tls, pkeyPwd: tls.pkeyPwd === undefined ? undefined : MASK };
  },
  'psql-userdb': maskUserDb,
  'mysql-userdb': maskUserDb,
  'redis-userdb': maskUserDb,
  // accepted with a warning and not kept in Config
  'mongo-userdb': 'not-in-config',
  'redis-statsdb': (c) => { if (c.redisStatsDb !== undefined) c.redisStatsDb = MASK; },
  'fleet-redis': (c) => { if (c.fleetRedis !== undefined) c.fleetRedis = MASK; },
  'cli-password': 'not-in-config',
};

type MutableConfig = Record<string, unknown>;

/** The secret options this module knows how to mask (for the completeness test). */
export const MASKED_OPTIONS: readonly string[] = Object.keys(SECRET_FIELDS);

function maskUserDb(c: MutableConfig): void {
  const db = c.userDb as Config['userDb'];
  if (db && db.kind !== 'sqlite') c.userDb = { kind: db.kind, connection: maskConnectionString(db.connection) };
}

/**
 * Masks the password of a database connection string in any of coturn's forms: a URI
 * (`postgresql://u:PW@host/db`, `redis://:PW@host`) or key=value words (`password=PW`, `pwd=PW`).
 */
export function maskConnectionString(text: string): string {
  return text
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#\s]*:)[^@/?#\s]*@/i, `$1${MASK}@`)
    .replace(/\b(password|pwd|pass)\s*=\s*('[^']*'|"[^"]*"|\S+)/gi, `$1=${MASK}`);
}

/** A copy of `config` fit to show: secrets masked, plain JSON values only. */
export function maskedConfig(config: Config): Record<string, unknown> {
  const copy: MutableConfig = { ...config };
  for (const mask of Object.values(SECRET_FIELDS)) if (mask !== 'not-in-config') mask(copy);
  return JSON.parse(JSON.stringify(copy, (_k, v: unknown) => (v instanceof Uint8Array ? MASK : v))) as Record<string, unknown>;
}
