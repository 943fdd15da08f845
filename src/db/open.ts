/**
 * Opens the user database an option names: `userdb` (SQLite file), `psql-userdb`,
 * `mysql-userdb` or `redis-userdb` (coturn's connection strings). The backend modules load
 * on demand, so a server without a database never loads a database client.
 */
import { ErrorCode, TurnpikeError } from '../errors.ts';
import type { UserDatabase, UserDbKind, UserDbOptions } from './types.ts';

/** Which database, as the option gave it. */
export interface UserDbTarget {
  kind: UserDbKind;
  /** the file path (SQLite) or the connection string */
  connection: string;
}

/** Opens a backend; connecting is lazy, so an unreachable server shows on the first call. */
export async function openUserDatabase(target: UserDbTarget, opts: UserDbOptions = {}): Promise<UserDatabase> {
  switch (target.kind) {
    case 'sqlite':
      return (await import('./sqlite.ts')).openSqliteUserDatabase(target.connection, opts);
    case 'postgresql':
      return (await import('./postgresql.ts')).openPostgresUserDatabase(target.connection, opts);
    case 'mysql':
      return (await import('./mysql.ts')).openMysqlUserDatabase(target.connection, opts);
    case 'redis':
      return (await import('./redis.ts')).openRedisUserDatabase(target.connection, opts);
    default:
      throw new TurnpikeError(ErrorCode.DATABASE, `unknown user database kind '${String(target.kind)}'`);
  }
}
