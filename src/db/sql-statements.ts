/**
 * The SQL of the three SQL backends, per dialect: coturn's tables (`/usr/share/coturn/schema.sql`;
 * SQLite as coturn's `dbd_sqlite.c` creates them) and coturn's statements for each operation.
 * Inserts that coturn does as "insert, else update" (PostgreSQL, MySQL) or "insert or replace"
 * (SQLite) are single upserts here. Statements are written with `?` placeholders;
 * `sqlFor` numbers them `$1, $2, …` for PostgreSQL.
 */

/** Which SQL the server speaks. */
export type SqlDialect = 'sqlite' | 'postgresql' | 'mysql';

/** A statement and its parameters (always text, as coturn binds them). */
export interface SqlStatement {
  sql: string;
  params: string[];
}

/** coturn's `schema.sql` (PostgreSQL and MySQL), each table created only when missing. */
const SCHEMA_SQL: readonly string[] = [
  "CREATE TABLE IF NOT EXISTS turnusers_lt (realm varchar(127) default '', name varchar(512), hmackey char(128), PRIMARY KEY (realm,name))",
  "CREATE TABLE IF NOT EXISTS turn_secret (realm varchar(127) default '', value varchar(256), primary key (realm,value))",
  "CREATE TABLE IF NOT EXISTS allowed_peer_ip (realm varchar(127) default '', ip_range varchar(256), primary key (realm,ip_range))",
  "CREATE TABLE IF NOT EXISTS denied_peer_ip (realm varchar(127) default '', ip_range varchar(256), primary key (realm,ip_range))",
  'CREATE TABLE IF NOT EXISTS turn_origin_to_realm (origin varchar(127), realm varchar(127), primary key (origin))',
  "CREATE TABLE IF NOT EXISTS turn_realm_option (realm varchar(127) default '', opt varchar(32), value varchar(128), primary key (realm,opt))",
  "CREATE TABLE IF NOT EXISTS oauth_key (kid varchar(128), ikm_key varchar(256), timestamp bigint default 0, lifetime integer default 0, as_rs_alg varchar(64) default '', realm varchar(127), primary key (kid))",
  'CREATE TABLE IF NOT EXISTS admin_user (name varchar(32), realm varchar(127), password varchar(127), primary key (name))',
];

/** The tables as coturn's SQLite driver creates them in a new file (slightly different from schema.sql). */
const SCHEMA_SQLITE: readonly string[] = [
  "CREATE TABLE IF NOT EXISTS turnusers_lt ( realm varchar(127) default '', name varchar(512), hmackey char(128), PRIMARY KEY (realm,name))",
  "CREATE TABLE IF NOT EXISTS turn_secret (realm varchar(127) default '', value varchar(127), primary key (realm,value))",
  SCHEMA_SQL[2],
  SCHEMA_SQL[3],
  'CREATE TABLE IF NOT EXISTS turn_origin_to_realm (origin varchar(127),realm varchar(127),primary key (origin))',
  SCHEMA_SQL[5],
  "CREATE TABLE IF NOT EXISTS oauth_key (kid varchar(128),ikm_key varchar(256),timestamp bigint default 0,lifetime integer default 0,as_rs_alg varchar(64) default '',realm varchar(127) default '',primary key (kid))",
  SCHEMA_SQL[7],
];

/** The statements that create coturn's tables when they are missing. */
export function schemaStatements(dialect: SqlDialect): readonly string[] {
  return dialect === 'sqlite' ? SCHEMA_SQLITE : SCHEMA_SQL;
}

/** Rewrites `?` placeholders for the dialect (PostgreSQL: `$1`, `$2`, …). No statement here has a literal `?`. */
export function sqlFor(dialect: SqlDialect, sql: string): string {
  if (dialect !== 'postgresql') return sql;
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * `insert into <table> (<keys>,<values>) values(...)`, updating `<values>` when the key exists.
 * `keys` and `values` are column/value pairs; both are bound, never interpolated. With no
 * `values`, an existing row stays (MySQL: takes the new spelling of its case-insensitive key).
 */
export function upsert(
  dialect: SqlDialect,
  table: string,
  keys: Record<string, string>,
  values: Record<string, string>,
): SqlStatement {
  const keyCols = Object.keys(keys);
  const valCols = Object.keys(values);
  const cols = [...keyCols, ...valCols];
  const params = [...Object.values(keys), ...Object.values(values)];
  const insert = `insert into ${table} (${cols.join(',')}) values(${cols.map(() => '?').join(',')})`;
  if (dialect === 'mysql') {
    // with no value columns, rewrite the key itself: MySQL compares case-insensitively, and coturn
    // deletes the old row before inserting, so the new spelling is what stays
    const setCols = valCols.length ? valCols : keyCols;
    const setParams = valCols.length ? Object.values(values) : Object.values(keys);
    return { sql: `${insert} on duplicate key update ${setCols.map((c) => `${c}=?`).join(',')}`, params: [...params, ...setParams] };
  }
  const action = valCols.length ? `do update set ${valCols.map((c) => `${c}=excluded.${c}`).join(',')}` : 'do nothing';
  return { sql: `${insert} on conflict (${keyCols.join(',')}) ${action}`, params };
}

/** coturn's list statements: one realm ordered by `byOne`, or every realm ordered by `realm,byOne`. */
export function listStatement(columns: string, table: string, byOne: string, realm: string | undefined): SqlStatement {
  if (realm) return { sql: `select ${columns} from ${table} where realm=? order by ${byOne}`, params: [realm] };
  return { sql: `select ${columns} from ${table} order by realm,${byOne}`, params: [] };
}

/** Statements with no dialect differences (coturn's text). */
export const SQL = {
  userKey: 'select hmackey from turnusers_lt where name=? and realm=?',
  /** `userKeys`: the realm, then `n` names (n a power of two, so few statement texts exist) */
  userKeys: (n: number): string => `select name,hmackey from turnusers_lt where realm=? and name in (${Array.from({ length: n }, () => '?').join(',')})`,
  deleteUser: 'delete from turnusers_lt where name=? and realm=?',
  secrets: 'select value from turn_secret where realm=?',
  deleteSecret: 'delete from turn_secret where value=? and realm=?',
  deleteRealmSecrets: 'delete from turn_secret where realm=?',
  deleteAllSecrets: 'delete from turn_secret',
  allowedPeers: 'select ip_range from allowed_peer_ip where realm=?',
  deniedPeers: 'select ip_range from denied_peer_ip where realm=?',
  originRealm: 'select realm from turn_origin_to_realm where origin=?',
  oauthKey: 'select ikm_key,timestamp,lifetime,as_rs_alg,realm from oauth_key where kid=?',
  deleteOrigin: 'delete from turn_origin_to_realm where origin=?',
  realmOptions: 'select opt,value from turn_realm_option where realm=?',
  deleteRealmOption: 'delete from turn_realm_option where realm=? and opt=?',
  adminUser: 'select name,realm,password from admin_user where name=?',
  deleteAdminUser: 'delete from admin_user where name=?',
  listAdminUsers: 'select name,realm,password from admin_user order by realm,name',
} as const;
