/**
 * The `UserDatabase` of the SQL backends (SQLite, PostgreSQL, MySQL/MariaDB), over a tiny
 * `SqlRunner` each backend provides. Semantics are coturn's (dbd_sqlite.c, dbd_pgsql.c,
 * dbd_mysql.c), identical for every dialect:
 * - lists of one realm are ordered by name (value, origin, option), lists of every realm by
 *   realm then name; `listX(realm)` with `undefined` or `''` lists every realm, as coturn does
 *   for an empty realm;
 * - a realm option set to 0 is deleted (coturn's PostgreSQL/MySQL drivers and `turnadmin`'s
 *   help; coturn's SQLite driver leaves the row); values are stored as decimal text;
 * - setting a user, secret, origin, realm option or admin user replaces the existing row;
 * - `deleteAllSecrets('')` deletes the secrets of realm '' only, as coturn's
 *   `turnadmin --delete-all-secrets` without `-r`; `undefined` deletes every secret;
 * - `hmackey` is returned without the blanks PostgreSQL pads `char(128)` with.
 * Nothing is cached: every call runs its statements.
 */
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { databaseError } from './sql-errors.ts';
import { listStatement, schemaStatements, SQL, sqlFor, upsert, type SqlDialect, type SqlStatement } from './sql-statements.ts';
import type { DbAdminUser, DbOAuthKey, DbUser, RealmOptionName, UserDatabase, UserDbKind } from './types.ts';

/** A row as the client library returns it, by column name. */
export type SqlRow = Record<string, unknown>;

/** What a backend provides: statements already in its dialect; failures may be any error. */
export interface SqlRunner {
  /** runs a query and returns its rows */
  query(sql: string, params: readonly string[]): Promise<SqlRow[]>;
  /** runs an insert/update/delete and returns how many rows it changed */
  run(sql: string, params: readonly string[]): Promise<number>;
  /** runs a statement without parameters (DDL) */
  exec(sql: string): Promise<void>;
  /** ends connections; called once */
  close(): Promise<void>;
}

/** How to build a `SqlUserDatabase`. */
export interface SqlUserDatabaseConfig {
  kind: Exclude<UserDbKind, 'redis'>;
  dialect: SqlDialect;
  /** the connection without password, e.g. `postgresql://turn@db:5432/coturn` */
  description: string;
  endpoint?: { host: string; port: number };
  runner: SqlRunner;
  /** what error messages start with, e.g. `PostgreSQL user database postgresql://…` */
  errorPrefix: string;
  /** texts that must never appear in an error message (passwords) */
  secrets?: readonly string[];
}

const REALM_OPTIONS: readonly RealmOptionName[] = ['max-bps', 'total-quota', 'user-quota'];

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const isRealmOption = (v: string): v is RealmOptionName => (REALM_OPTIONS as readonly string[]).includes(v);

/** See the module comment. */
export class SqlUserDatabase implements UserDatabase {
  readonly kind: UserDbKind;
  readonly description: string;
  readonly endpoint?: { host: string; port: number };
  readonly #config: SqlUserDatabaseConfig;
  #closed?: Promise<void>;

  constructor(config: SqlUserDatabaseConfig) {
    this.#config = config;
    this.kind = config.kind;
    this.description = config.description;
    if (config.endpoint) this.endpoint = config.endpoint;
  }

  async #guard<T>(work: () => Promise<T>): Promise<T> {
    const { errorPrefix, secrets } = this.#config;
    if (this.#closed) throw new TurnpikeError(ErrorCode.DATABASE, `${errorPrefix}: closed`);
    try {
      return await work();
    } catch (err) {
      throw databaseError(errorPrefix, err, secrets);
    }
  }

  #query(st: SqlStatement): Promise<SqlRow[]> {
    return this.#guard(() => this.#config.runner.query(sqlFor(this.#config.dialect, st.sql), st.params));
  }

  #run(st: SqlStatement): Promise<number> {
    return this.#guard(() => this.#config.runner.run(sqlFor(this.#config.dialect, st.sql), st.params));
  }

  #upsert(table: string, keys: Record<string, string>, values: Record<string, string>): Promise<number> {
    return this.#run(upsert(this.#config.dialect, table, keys, values));
  }

  async userKey(realm: string, name: string): Promise<string | undefined> {
    const rows = await this.#query({ sql: SQL.userKey, params: [name, realm] });
    return rows.length ? text(rows[0].hmackey).trimEnd() : undefined;
  }

  async userKeys(realm: string, names: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (names.length === 0) return found;
    // Padded to a power of two with repeats of the last name: a handful of statement texts.
    const size = 2 ** Math.ceil(Math.log2(names.length));
    const params = [realm, ...names, ...Array.from({ length: size - names.length }, () => names[names.length - 1])];
    const rows = await this.#query({ sql: SQL.userKeys(size), params });
    for (const r of rows) found.set(text(r.name), text(r.hmackey).trimEnd());
    // MySQL compares names without case, as coturn's queries there do: answer for the name asked.
    if (this.kind === 'mysql' && found.size < names.length) {
      const folded = new Map([...found].map(([n, k]) => [n.toLowerCase(), k]));
      for (const n of names) if (!found.has(n) && folded.has(n.toLowerCase())) found.set(n, folded.get(n.toLowerCase())!);
    }
    return found;
  }

  async setUserKey(realm: string, name: string, hmackey: string): Promise<void> {
    await this.#upsert('turnusers_lt', { realm, name }, { hmackey });
  }

  async deleteUser(realm: string, name: string): Promise<boolean> {
    return (await this.#run({ sql: SQL.deleteUser, params: [name, realm] })) > 0;
  }

  async listUsers(realm?: string): Promise<DbUser[]> {
    const rows = await this.#query(listStatement('name,realm,hmackey', 'turnusers_lt', 'name', realm));
    return rows.map((r) => ({ realm: text(r.realm), name: text(r.name), hmackey: text(r.hmackey).trimEnd() }));
  }

  async secrets(realm: string): Promise<string[]> {
    return (await this.#query({ sql: SQL.secrets, params: [realm] })).map((r) => text(r.value));
  }

  async addSecret(realm: string, value: string): Promise<void> {
    await this.#upsert('turn_secret', { realm, value }, {});
  }

  async deleteSecret(realm: string, value: string): Promise<boolean> {
    return (await this.#run({ sql: SQL.deleteSecret, params: [value, realm] })) > 0;
  }

  deleteAllSecrets(realm?: string): Promise<number> {
    if (realm === undefined) return this.#run({ sql: SQL.deleteAllSecrets, params: [] });
    return this.#run({ sql: SQL.deleteRealmSecrets, params: [realm] });
  }

  async listSecrets(realm?: string): Promise<{ realm: string; value: string }[]> {
    const rows = await this.#query(listStatement('value,realm', 'turn_secret', 'value', realm));
    return rows.map((r) => ({ realm: text(r.realm), value: text(r.value) }));
  }

  async peerRanges(realm: string): Promise<{ allowed: string[]; denied: string[] }> {
    const allowed = await this.#query({ sql: SQL.allowedPeers, params: [realm] });
    const denied = await this.#query({ sql: SQL.deniedPeers, params: [realm] });
    return { allowed: allowed.map((r) => text(r.ip_range)), denied: denied.map((r) => text(r.ip_range)) };
  }

  async oauthKey(kid: string): Promise<DbOAuthKey | undefined> {
    const rows = await this.#query({ sql: SQL.oauthKey, params: [kid] });
    if (rows.length === 0) return undefined;
    const r = rows[0];
    return { kid, ikmKey: text(r.ikm_key).trim(), timestamp: Number(text(r.timestamp) || 0), lifetime: Number(text(r.lifetime) || 0), asRsAlg: text(r.as_rs_alg).trim(), realm: text(r.realm).trim() };
  }

  async originRealm(origin: string): Promise<string | undefined> {
    const rows = await this.#query({ sql: SQL.originRealm, params: [origin] });
    return rows.length ? text(rows[0].realm) : undefined;
  }

  async addOrigin(origin: string, realm: string): Promise<void> {
    await this.#upsert('turn_origin_to_realm', { origin }, { realm });
  }

  async deleteOrigin(origin: string): Promise<boolean> {
    return (await this.#run({ sql: SQL.deleteOrigin, params: [origin] })) > 0;
  }

  async listOrigins(realm?: string): Promise<{ origin: string; realm: string }[]> {
    const rows = await this.#query(listStatement('origin,realm', 'turn_origin_to_realm', 'origin', realm));
    return rows.map((r) => ({ origin: text(r.origin), realm: text(r.realm) }));
  }

  async realmOptions(realm: string): Promise<Partial<Record<RealmOptionName, number>>> {
    const rows = await this.#query({ sql: SQL.realmOptions, params: [realm] });
    const options: Partial<Record<RealmOptionName, number>> = {};
    for (const r of rows) {
      const opt = text(r.opt);
      const value = Number.parseInt(text(r.value), 10);
      if (isRealmOption(opt) && Number.isFinite(value)) options[opt] = value;
    }
    return options;
  }

  async setRealmOption(realm: string, option: RealmOptionName, value: number): Promise<void> {
    if (!isRealmOption(option) || !Number.isSafeInteger(value) || value < 0) {
      const what = isRealmOption(option) ? `value ${value}` : `option '${String(option)}'`;
      throw new TurnpikeError(ErrorCode.DATABASE, `${this.#config.errorPrefix}: invalid realm ${what}`);
    }
    if (value === 0) await this.#run({ sql: SQL.deleteRealmOption, params: [realm, option] });
    else await this.#upsert('turn_realm_option', { realm, opt: option }, { value: String(value) });
  }

  async listRealmOptions(realm?: string): Promise<{ realm: string; option: RealmOptionName; value: number }[]> {
    const rows = await this.#query(listStatement('realm,opt,value', 'turn_realm_option', 'opt', realm));
    const list: { realm: string; option: RealmOptionName; value: number }[] = [];
    for (const r of rows) {
      const option = text(r.opt);
      const value = Number.parseInt(text(r.value), 10);
      if (isRealmOption(option) && Number.isFinite(value)) list.push({ realm: text(r.realm), option, value });
    }
    return list;
  }

  async adminUser(name: string): Promise<DbAdminUser | undefined> {
    const rows = await this.#query({ sql: SQL.adminUser, params: [name] });
    return rows.length ? toAdmin(rows[0]) : undefined;
  }

  async setAdminUser(user: DbAdminUser): Promise<void> {
    await this.#upsert('admin_user', { name: user.name }, { realm: user.realm, password: user.password });
  }

  async deleteAdminUser(name: string): Promise<boolean> {
    return (await this.#run({ sql: SQL.deleteAdminUser, params: [name] })) > 0;
  }

  async listAdminUsers(): Promise<DbAdminUser[]> {
    return (await this.#query({ sql: SQL.listAdminUsers, params: [] })).map(toAdmin);
  }

  async createSchema(): Promise<void> {
    for (const sql of schemaStatements(this.#config.dialect)) await this.#guard(() => this.#config.runner.exec(sql));
  }

  close(): Promise<void> {
    this.#closed ??= this.#config.runner.close().catch(() => undefined);
    return this.#closed;
  }
}

function toAdmin(r: SqlRow): DbAdminUser {
  return { name: text(r.name), realm: text(r.realm), password: text(r.password) };
}
