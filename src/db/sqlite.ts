/**
 * The SQLite backend (coturn's `userdb`, default `/var/lib/turn/turndb`) on `node:sqlite`.
 * Like coturn it creates the parent directory (mode 0700, here) and coturn's tables when they
 * are missing, and expands a leading `~` to `$HOME`. The file keeps its journal mode (an
 * operator's database is not converted, and coturn running as another user keeps working
 * with it); it is opened with a busy timeout, so `turnadmin` in another process (Turnpike's
 * or coturn's) can write while a server reads; every statement is its own transaction, so a read sees
 * what another process committed before it. The file opens on the first call; after a
 * failure it is reopened on the next one.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { schemaStatements } from './sql-statements.ts';
import { SqlUserDatabase, type SqlRow, type SqlRunner } from './sql-user-database.ts';
import type { UserDatabase, UserDbOptions } from './types.ts';

/** A path as coturn reads it: leading spaces dropped, a leading `~` meaning the home directory. */
export function sqliteFilePath(path: string): string {
  const p = path.trimStart();
  if (p === '~' || p.startsWith('~/')) return process.env.HOME ? process.env.HOME + p.slice(1) : homedir() + p.slice(1);
  return p;
}

/** Creates `dir` and missing parents with mode 0700 (level by level: Node's recursive mkdir can spin on /proc). */
function ensureDir(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) ensureDir(parent);
  mkdirSync(dir, { mode: 0o700 });
}

const TABLE_OF = /create table if not exists\s+(\w+)/i;

/** coturn's tables where missing. */
function prepare(db: DatabaseSync): void {
  const present = new Set(
    (db.prepare("select name from sqlite_master where type='table'").all() as SqlRow[]).map((r) => String(r.name)),
  );
  for (const sql of schemaStatements('sqlite')) {
    const table = TABLE_OF.exec(sql)?.[1];
    if (table && present.has(table)) continue;
    try {
      db.exec(sql);
    } catch {
      // as coturn: a table that cannot be created shows when it is used
    }
  }
}

class SqliteRunner implements SqlRunner {
  readonly #file: string;
  readonly #timeoutMs: number;
  #db?: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(file: string, timeoutMs: number) {
    this.#file = file;
    this.#timeoutMs = timeoutMs;
  }

  #open(): DatabaseSync {
    if (this.#db) return this.#db;
    if (this.#file !== ':memory:') ensureDir(dirname(resolve(this.#file)));
    const db = new DatabaseSync(this.#file, { timeout: this.#timeoutMs });
    try {
      prepare(db);
    } catch (err) {
      db.close();
      throw err;
    }
    this.#db = db;
    return db;
  }

  #reset(): void {
    this.#statements.clear();
    try {
      this.#db?.close();
    } catch {
      // already closed
    }
    this.#db = undefined;
  }

  #use<T>(work: (db: DatabaseSync) => T): Promise<T> {
    try {
      return Promise.resolve(work(this.#open()));
    } catch (err) {
      this.#reset();
      return Promise.reject(err);
    }
  }

  #statement(db: DatabaseSync, sql: string): StatementSync {
    let st = this.#statements.get(sql);
    if (!st) {
      st = db.prepare(sql);
      this.#statements.set(sql, st);
    }
    return st;
  }

  query(sql: string, params: readonly string[]): Promise<SqlRow[]> {
    return this.#use((db) => this.#statement(db, sql).all(...params) as SqlRow[]);
  }

  run(sql: string, params: readonly string[]): Promise<number> {
    return this.#use((db) => Number(this.#statement(db, sql).run(...params).changes));
  }

  exec(sql: string): Promise<void> {
    return this.#use((db) => db.exec(sql));
  }

  close(): Promise<void> {
    this.#reset();
    return Promise.resolve();
  }
}

/** Opens (lazily) coturn's SQLite user database at `path`. */
export function openSqliteUserDatabase(path: string, opts: UserDbOptions): UserDatabase {
  const file = sqliteFilePath(path);
  return new SqlUserDatabase({
    kind: 'sqlite',
    dialect: 'sqlite',
    description: `sqlite:${file}`,
    runner: new SqliteRunner(file, opts.timeoutMs ?? 5000),
    errorPrefix: `SQLite user database ${file}`,
  });
}
