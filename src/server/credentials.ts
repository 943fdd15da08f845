/**
 * Where a server's credentials and realms come from: the configuration alone, or the
 * configuration plus a user database (`userdb`, `psql-userdb`, `mysql-userdb`,
 * `redis-userdb`). A database that cannot be reached at start-up does not stop the server:
 * the outage is logged once and authentications get 401 until it answers.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/types.ts';
import { createStaticCredentialStore, type CredentialStore } from '../auth/credential-store.ts';
import { createDatabaseCredentialStore } from '../auth/database-credential-store.ts';
import { createAccessTokenAuthority, type AccessTokenAuthority } from '../auth/oauth-credentials.ts';
import { createDatabaseRealmDirectory } from '../db/realm-directory.ts';
import { DatabaseHealth } from '../db/health.ts';
import { openUserDatabase } from '../db/open.ts';
import type { UserDatabase } from '../db/types.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { RealmDirectory } from '../turn/realms.ts';

/** A server's credential store, its realms (when a database adds any), and how to let go of them. */
export interface ServerCredentials {
  store: CredentialStore;
  realms: RealmDirectory | undefined;
  /** the user database, when one is configured */
  db: UserDatabase | undefined;
  /** the database link's state and round-trip counts (metrics), when a database is configured */
  health?: DatabaseHealth;
  /** access tokens opened with the database's `oauth_key` rows (RFC 7635), used while `oauth` is on */
  tokens?: AccessTokenAuthority;
  /**
   * A reload: a store for the new configuration's users, secrets and realm (the same user
   * database, which a reload does not switch), with the realm directory brought in line.
   */
  reconfigure(config: Config): Promise<CredentialStore>;
  close(): Promise<void>;
}

/** AES-128 keys are 16 bytes; coturn reads that many from `secret-key-file`. */
const AES_KEY_BYTES = 16;

/** Builds the credentials of `config`; a user database is opened and read once before this resolves. */
export async function openServerCredentials(config: Config, log: Logger): Promise<ServerCredentials> {
  const staticOptions = staticStoreOptions(config);
  if (config.userDb === undefined || config.noAuth) {
    return {
      store: createStaticCredentialStore(staticOptions),
      realms: undefined,
      db: undefined,
      reconfigure: async (next) => createStaticCredentialStore(staticStoreOptions(next)),
      close: async () => {},
    };
  }
  const db = await openUserDatabase(config.userDb, { secretKey: secretKey(config) });
  const health = new DatabaseHealth(log, db.description);
  const store = createDatabaseCredentialStore({ ...staticOptions, db, health, log, usersWithAuthSecret: config.databaseUsersWithAuthSecret });
  const realms = createDatabaseRealmDirectory({
    db,
    health,
    log,
    realm: config.realm,
    limits: { maxBps: config.maxBps, userQuota: config.userQuota, totalQuota: config.totalQuota },
    peerOptions: config,
    noDynamicRealms: config.noDynamicRealms,
    noDynamicIpList: config.noDynamicIpList,
  });
  await realms.refresh();
  realms.start();
  log.info('user-database', { backend: db.description, state: health.down ? 'unreachable, retrying' : 'connected' });
  const tokens = createAccessTokenAuthority({
    db,
    health,
    badRow: (kid, problem) => log.warn('user-database-bad-row', { backend: db.description, table: 'oauth_key', row: `kid=${kid}`, problem, effect: 'skipped' }),
  });
  return {
    store,
    realms,
    db,
    health,
    tokens,
    reconfigure: async (next) => {
      await realms.reconfigure(next.realm, { maxBps: next.maxBps, userQuota: next.userQuota, totalQuota: next.totalQuota }, next);
      return createDatabaseCredentialStore({ ...staticStoreOptions(next), db, health, log, usersWithAuthSecret: next.databaseUsersWithAuthSecret });
    },
    close: async () => {
      realms.close();
      await db.close();
    },
  };
}

/** The configuration's own users and secrets, as the static store takes them. */
function staticStoreOptions(config: Config) {
  return {
    // coturn ignores user accounts when the REST API decides (the config layer warns about it).
    users: config.useAuthSecret ? [] : config.users,
    realm: config.realm,
    useAuthSecret: config.useAuthSecret,
    staticAuthSecrets: config.staticAuthSecrets,
    restApiSeparator: config.restApiSeparator,
  };
}

function secretKey(config: Config): Uint8Array | undefined {
  if (config.secretKeyFile === undefined) return undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(config.secretKeyFile);
  } catch (err) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `secret-key-file: cannot read ${config.secretKeyFile}: ${(err as Error).message}`);
  }
  if (bytes.length < AES_KEY_BYTES) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `secret-key-file: ${config.secretKeyFile} holds ${bytes.length} bytes; an AES-128 key needs ${AES_KEY_BYTES} (make one with turnadmin -x)`);
  }
  return new Uint8Array(bytes.subarray(0, AES_KEY_BYTES));
}
