/**
 * The MySQL/MariaDB backend (coturn's `mysql-userdb`) on a small `mysql2` pool (at most 4
 * connections, connected on demand, reconnecting after the server comes back). The connection
 * string is coturn's own format (see `mysql-conninfo.ts`). With `secret-key-file`, the password
 * in it is coturn's AES-encrypted form and is decrypted here, as coturn does. Any SSL key
 * turns TLS on (coturn's `mysql_ssl_set`); the server certificate is checked against `ca` /
 * `capath` when one is given (not its host name, as the MySQL client library), and not at
 * all otherwise. coturn does not create tables in MySQL: the operator loads schema.sql (or
 * calls `createSchema`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { ErrorCode } from '../errors.ts';
import { decryptAesPassword } from './aes-password.ts';
import { databaseError, withDeadline } from './sql-errors.ts';
import { describeMysqlConnInfo, parseMysqlConnInfo, type MysqlConnInfo } from './mysql-conninfo.ts';
import { SqlUserDatabase, type SqlRow, type SqlRunner } from './sql-user-database.ts';
import type { UserDatabase, UserDbOptions } from './types.ts';

/** CA certificates of a `capath` directory (every readable PEM certificate file in it). */
function readCaDir(dir: string): string[] {
  const pems: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    const text = readFileSync(path, 'utf8');
    if (text.includes('-----BEGIN CERTIFICATE-----')) pems.push(text);
  }
  return pems;
}

/** `mysql2`'s `ssl` setting for coturn's SSL keys; undefined when none is given. */
export function mysqlSslConfig(info: MysqlConnInfo): mysql.SslOptions | undefined {
  const s = info.ssl;
  if (!s) return undefined;
  const ca = [...(s.ca ? [readFileSync(s.ca, 'utf8')] : []), ...(s.capath ? readCaDir(s.capath) : [])];
  const ssl: mysql.SslOptions = { rejectUnauthorized: ca.length > 0, verifyIdentity: false };
  if (ca.length) ssl.ca = ca;
  if (s.cert) ssl.cert = readFileSync(s.cert, 'utf8');
  if (s.key) ssl.key = readFileSync(s.key, 'utf8');
  if (s.cipher) ssl.ciphers = s.cipher;
  return ssl;
}

/** mysql2 marks failures of the connection itself `fatal`; a timed-out query leaves it unusable too. */
function brokenConnection(err: unknown): boolean {
  const e = err as { fatal?: unknown; code?: unknown };
  return e.fatal === true || e.code === 'PROTOCOL_SEQUENCE_TIMEOUT';
}

class MysqlRunner implements SqlRunner {
  readonly #pool: mysql.Pool;
  readonly #queryMs: number;
  readonly #deadlineMs: number;
  readonly #prefix: string;

  constructor(config: mysql.PoolOptions, queryMs: number, deadlineMs: number, prefix: string) {
    this.#pool = mysql.createPool(config);
    this.#queryMs = queryMs;
    this.#deadlineMs = deadlineMs;
    this.#prefix = prefix;
  }

  /** Runs a statement; when the connection turns out broken, once more on a new one. */
  #exec(sql: string, params: readonly string[] | undefined): Promise<unknown> {
    const work = async (): Promise<unknown> => {
      for (let attempt = 0; ; attempt++) {
        const conn = await this.#pool.getConnection();
        try {
          const options = { sql, timeout: this.#queryMs };
          const [result] = params ? await conn.execute(options, params as string[]) : await conn.query(options);
          conn.release();
          return result;
        } catch (err) {
          const broken = brokenConnection(err);
          if (broken) conn.destroy();
          else conn.release();
          if (!broken || attempt > 0 || (err as { code?: unknown }).code === 'PROTOCOL_SEQUENCE_TIMEOUT') throw err;
        }
      }
    };
    return withDeadline(work(), this.#deadlineMs, this.#prefix);
  }

  async query(sql: string, params: readonly string[]): Promise<SqlRow[]> {
    return (await this.#exec(sql, params)) as SqlRow[];
  }

  async run(sql: string, params: readonly string[]): Promise<number> {
    return ((await this.#exec(sql, params)) as mysql.ResultSetHeader).affectedRows;
  }

  async exec(sql: string): Promise<void> {
    await this.#exec(sql, undefined);
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

/**
 * Opens coturn's MySQL/MariaDB user database; connecting is lazy. Throws CONFIG_INVALID for a string
 * coturn would refuse, an unreadable SSL file, or a password that does not decrypt.
 */
export function openMysqlUserDatabase(conninfo: string, opts: UserDbOptions): UserDatabase {
  const info = parseMysqlConnInfo(conninfo);
  const description = describeMysqlConnInfo(info);
  const prefix = `MySQL user database ${description}`;
  const secrets = [info.password];
  let password = info.password;
  let ssl: mysql.SslOptions | undefined;
  try {
    if (opts.secretKey) secrets.push((password = decryptAesPassword(info.password, opts.secretKey)));
    ssl = mysqlSslConfig(info);
  } catch (err) {
    throw databaseError(prefix, err, secrets, ErrorCode.CONFIG_INVALID);
  }
  const timeoutMs = opts.timeoutMs ?? 5000;
  const connectMs = info.connectTimeoutSec ? info.connectTimeoutSec * 1000 : timeoutMs;
  const queryMs = info.readTimeoutSec ? info.readTimeoutSec * 1000 : timeoutMs;
  const port = info.port ?? 3306;
  const config: mysql.PoolOptions = {
    host: info.host || 'localhost', port, user: info.user, password, database: info.dbname,
    connectTimeout: connectMs, enableKeepAlive: true, ...(ssl ? { ssl } : {}),
    connectionLimit: 4, maxIdle: 1, idleTimeout: 30_000, waitForConnections: true, queueLimit: 0,
  };
  return new SqlUserDatabase({
    kind: 'mysql',
    dialect: 'mysql',
    description,
    endpoint: { host: info.host || 'localhost', port },
    runner: new MysqlRunner(config, queryMs, connectMs + queryMs + 1000, prefix),
    errorPrefix: prefix,
    secrets,
  });
}
