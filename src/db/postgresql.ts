/**
 * The PostgreSQL backend (coturn's `psql-userdb`) on a small `pg` pool (at most 4 connections,
 * connected on demand, reconnecting after the server comes back). The connection string is
 * libpq's, in either form (see `conninfo.ts`); as with libpq, a missing host means the Unix
 * socket in /var/run/postgresql when it exists (else localhost), and PG* environment
 * variables fill in what the string leaves out. coturn does not create tables in PostgreSQL:
 * the operator loads schema.sql (or calls `createSchema`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { describePgConnInfo, parsePgConnInfo, type PgConnInfo } from './conninfo.ts';
import { databaseError, withDeadline } from './sql-errors.ts';
import { SqlUserDatabase, type SqlRow, type SqlRunner } from './sql-user-database.ts';
import type { UserDatabase, UserDbOptions } from './types.ts';

const SOCKET_DIR = '/var/run/postgresql';

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

/** `pg`'s `ssl` setting for libpq's sslmode and certificate keywords. */
export function pgSslConfig(info: PgConnInfo): false | ConnectionOptions {
  const mode = info.sslmode ?? (process.env.PGSSLMODE as PgConnInfo['sslmode']) ?? 'prefer';
  // pg cannot fall back from TLS to plain text, so "allow" and "prefer" connect without TLS
  if (mode === 'disable' || mode === 'allow' || mode === 'prefer') return false;
  const ssl: ConnectionOptions = {};
  if (info.sslcert) ssl.cert = readPem(info.sslcert, 'sslcert');
  if (info.sslkey) ssl.key = readPem(info.sslkey, 'sslkey');
  if (info.sslpassword) ssl.passphrase = info.sslpassword;
  const defaultRoot = `${homedir()}/.postgresql/root.crt`;
  const root = info.sslrootcert ?? (existsSync(defaultRoot) ? defaultRoot : undefined);
  if (root && root !== 'system') ssl.ca = readPem(root, 'sslrootcert');
  const verify = mode === 'verify-ca' || mode === 'verify-full' || (mode === 'require' && info.sslrootcert !== undefined);
  ssl.rejectUnauthorized = verify;
  if (verify && mode !== 'verify-full') ssl.checkServerIdentity = () => undefined;
  if (info.hostaddr && info.host && !info.host.startsWith('/')) ssl.servername = info.host;
  return ssl;
}

/** Fills in host and port as libpq would (environment, then the local socket, then localhost). */
function effectiveTarget(info: PgConnInfo): { host: string; port: number } {
  const port = info.port ?? (Number(process.env.PGPORT) || 5432);
  let host = info.hostaddr ?? info.host ?? process.env.PGHOSTADDR ?? process.env.PGHOST;
  if (!host) host = existsSync(`${SOCKET_DIR}/.s.PGSQL.${port}`) ? SOCKET_DIR : 'localhost';
  return { host, port };
}

/** true for failures of the connection itself (not of a statement): such a client is dropped. */
function brokenConnection(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return code.startsWith('08') || code.startsWith('57P');
}

/**
 * Statement names, one per statement text: each connection parses a statement once and then
 * only binds and executes it, which saves the server a parse and the client a larger message
 * on every authentication.
 */
const STATEMENT_NAMES = new Map<string, string>();
function statementName(sql: string): string {
  let name = STATEMENT_NAMES.get(sql);
  if (name === undefined) {
    name = `turnpike_${STATEMENT_NAMES.size + 1}`;
    STATEMENT_NAMES.set(sql, name);
  }
  return name;
}

class PgRunner implements SqlRunner {
  readonly #pool: pg.Pool;
  readonly #deadlineMs: number;
  readonly #prefix: string;

  constructor(config: pg.PoolConfig, deadlineMs: number, prefix: string) {
    this.#pool = new pg.Pool(config);
    // an idle client whose server went away: the pool drops it; the next call reconnects
    this.#pool.on('error', () => undefined);
    // and one that breaks while checked out: the pending query rejects; the event must not crash
    this.#pool.on('connect', (client) => client.on('error', () => undefined));
    this.#deadlineMs = deadlineMs;
    this.#prefix = prefix;
  }

  /** Runs a statement; a pooled connection that broke while idle is replaced once, on a new one. */
  #exec(sql: string, params: readonly string[]): Promise<pg.QueryResult> {
    const work = async (): Promise<pg.QueryResult> => {
      for (let attempt = 0; ; attempt++) {
        const reused = this.#pool.idleCount > 0;
        const client = await this.#pool.connect();
        try {
          // Schema statements (no parameters, run once) need no name; every query does.
          const result = params.length > 0 ? await client.query({ name: statementName(sql), text: sql, values: params as string[] }) : await client.query(sql);
          client.release();
          return result;
        } catch (err) {
          const broken = brokenConnection(err);
          client.release(broken ? (err as Error) : undefined);
          if (!broken || !reused || attempt > 0 || /timeout/i.test(String((err as Error).message))) throw err;
        }
      }
    };
    return withDeadline(work(), this.#deadlineMs, this.#prefix);
  }

  async query(sql: string, params: readonly string[]): Promise<SqlRow[]> {
    return (await this.#exec(sql, params)).rows as SqlRow[];
  }

  async run(sql: string, params: readonly string[]): Promise<number> {
    return (await this.#exec(sql, params)).rowCount ?? 0;
  }

  async exec(sql: string): Promise<void> {
    await this.#exec(sql, []);
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

/**
 * Opens coturn's PostgreSQL user database; connecting is lazy. Throws CONFIG_INVALID for a
 * string libpq would refuse or an unreadable certificate file.
 */
export function openPostgresUserDatabase(conninfo: string, opts: UserDbOptions): UserDatabase {
  const info = parsePgConnInfo(conninfo);
  const { host, port } = effectiveTarget(info);
  const description = describePgConnInfo({ ...info, host, hostaddr: undefined, port });
  const prefix = `PostgreSQL user database ${description}`;
  const secrets = [info.password, process.env.PGPASSWORD, info.sslpassword].filter((s): s is string => !!s);
  const timeoutMs = opts.timeoutMs ?? 5000;
  const connectMs = info.connectTimeoutSec ? info.connectTimeoutSec * 1000 : timeoutMs;
  let ssl: false | ConnectionOptions;
  try {
    ssl = pgSslConfig(info);
  } catch (err) {
    throw databaseError(prefix, err, secrets, ErrorCode.CONFIG_INVALID);
  }
  const config: pg.PoolConfig = {
    host, port, ssl,
    database: info.dbname, user: info.user, password: info.password,
    options: info.options, application_name: info.applicationName,
    connectionTimeoutMillis: connectMs,
    query_timeout: timeoutMs,
    keepAlive: info.keepalives ?? true,
    max: 4, idleTimeoutMillis: 30_000, allowExitOnIdle: true,
  };
  return new SqlUserDatabase({
    kind: 'postgresql',
    dialect: 'postgresql',
    description,
    ...(host.startsWith('/') ? {} : { endpoint: { host, port } }),
    runner: new PgRunner(config, connectMs + timeoutMs + 1000, prefix),
    errorPrefix: prefix,
    secrets,
  });
}
