/**
 * `turnpike turnadmin`: coturn's administration tool, with coturn 4.6's command line and, on
 * standard output, coturn's output line for line (listings, keys, hashes), so scripts written
 * for coturn's turnadmin keep working. coturn's log lines ("0: : SQLite connection was
 * closed." and the like, which coturn mixes into standard output) are not printed; errors go
 * to standard error. The user-database commands work on SQLite, PostgreSQL, MySQL/MariaDB and
 * Redis (src/db), in coturn's layout, so either tool reads what the other wrote.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { ADMIN_PASSWORD_SALT_BYTES, hashAdminPassword } from '../auth/admin-password.ts';
import { decryptAesPassword, encryptAesPassword, readAesKeyFile, writeAesKeyFile } from '../db/aes-password.ts';
import { openUserDatabase, type UserDbTarget } from '../db/open.ts';
import type { UserDatabase, UserDbOptions } from '../db/types.ts';
import { chooseCommand, parseArgs, usageError, wantsHelp, type GivenCommand, type ParsedArgs } from './turnadmin-args.ts';
import {
  checkDatabaseCommand, CoturnRefusal, DATABASE_COMMANDS, readCredentials, readRealmOptions, runDatabaseCommand,
  storedUserKey, type Credentials,
} from './turnadmin-commands.ts';
import { TURNADMIN_HELP } from './turnadmin-help.ts';

/** coturn's default user database (Debian's build) when no database option is given. */
export const DEFAULT_USERDB = '/var/lib/turn/turndb';

/** What a caller (a test) may change about where the commands go. */
export interface TurnadminEnvironment {
  /** the SQLite file used when no database option is given; default {@link DEFAULT_USERDB} */
  defaultUserDb?: string;
  /** opens the user database; default `openUserDatabase` */
  openDatabase?: (target: UserDbTarget, opts: UserDbOptions) => Promise<UserDatabase>;
}

/**
 * Runs `turnadmin` with coturn's arguments, writing results to `out` and complaints to `err`
 * (default: `out`). Resolves to the exit status: 0 done; 1 a database or key file that cannot be
 * used; 2 a command line that cannot be read; 255 what coturn refuses with exit status 255
 * ("The operation cannot be completed: the realm must be set." and the like).
 */
export async function turnadmin(
  argv: string[],
  out: (line: string) => void,
  err: (line: string) => void = out,
  env: TurnadminEnvironment = {},
): Promise<number> {
  let defaultDb: string | undefined;
  try {
    const parsed = parseArgs(argv);
    if (wantsHelp(parsed)) {
      for (const line of TURNADMIN_HELP) out(line);
      return 0;
    }
    const creds = readCredentials(parsed.values);
    const command = chooseCommand(parsed);
    if (!DATABASE_COMMANDS.has(command.id)) {
      runWithoutDatabase(command, creds, parsed, out);
      return 0;
    }
    const options = command.id === 'set-realm-option' ? readRealmOptions(parsed.values) : [];
    if (!checkDatabaseCommand(command, creds, options)) return 0;
    const target = databaseTarget(parsed, env);
    if (parsed.database === undefined || parsed.database.value === '') defaultDb = target.connection;
    const keyFile = parsed.values.get('file-key-path');
    const opts: UserDbOptions = target.kind === 'mysql' && keyFile ? { secretKey: readAesKeyFile(keyFile) } : {};
    const db = await (env.openDatabase ?? openUserDatabase)(target, opts);
    try {
      await runDatabaseCommand(db, command, creds, options, out);
    } finally {
      await db.close().catch(() => {});
    }
    return 0;
  } catch (error) {
    return report(error, err, defaultDb);
  }
}

/** -k, -P, -E, -v, -x: nothing to open. */
function runWithoutDatabase(command: GivenCommand, creds: Credentials, parsed: ParsedArgs, out: (line: string) => void): void {
  const keyFile = (): Uint8Array => {
    const path = parsed.values.get('file-key-path');
    if (!path) throw usageError(`'${command.flag}' needs -f KEYFILE, the AES key file that -x wrote`);
    return readAesKeyFile(path);
  };
  const password = (): string => {
    if (creds.password === '') throw usageError(`'${command.flag}' needs -p PASSWORD`);
    return creds.password;
  };
  switch (command.id) {
    case 'key':
      // As coturn: the realm may be left out (the key is then of the empty realm).
      if (creds.user === '') throw new CoturnRefusal('The operation cannot be completed: the user must be set.');
      if (creds.password === '') throw new CoturnRefusal('The operation cannot be completed: the password must be set.');
      out(`0x${storedUserKey(creds)}`);
      return;
    case 'encrypt-password':
      out(hashAdminPassword(password(), randomBytes(ADMIN_PASSWORD_SALT_BYTES)));
      return;
    case 'encrypt-aes': {
      const plain = password();
      out(encryptAesPassword(plain, keyFile()));
      return;
    }
    case 'verify-aes':
      out(decryptAesPassword(command.value ?? '', keyFile()));
      return;
    case 'write-key-file':
      if (!command.value) throw usageError(`'${command.flag}' needs the path of the key file to write`);
      writeAesKeyFile(command.value);
      return;
    default:
      throw usageError(`'${command.flag}' is not a command`);
  }
}

/** The database the options name: the last one given, else coturn's default SQLite file. */
function databaseTarget(parsed: ParsedArgs, env: TurnadminEnvironment): UserDbTarget {
  const given = parsed.database;
  if (given === undefined || given.id === 'userdb') {
    return { kind: 'sqlite', connection: given?.value || (env.defaultUserDb ?? DEFAULT_USERDB) };
  }
  switch (given.id) {
    case 'psql-userdb':
      return { kind: 'postgresql', connection: given.value };
    case 'mysql-userdb':
      return { kind: 'mysql', connection: given.value };
    case 'redis-userdb':
      return { kind: 'redis', connection: given.value };
    default:
      throw usageError(
        `'${given.flag}': MongoDB user databases are not supported (Turnpike has no MongoDB backend); ` +
          'move the users to SQLite (-b), PostgreSQL (-e), MySQL/MariaDB (-M) or Redis (-N)',
      );
  }
}

/** Prints an error as the exit status it maps to says; rethrows what is a bug. */
function report(error: unknown, err: (line: string) => void, defaultDb: string | undefined): number {
  if (error instanceof CoturnRefusal) {
    err(error.message);
    return error.exitCode;
  }
  if (error instanceof TurnpikeError && error.code === ErrorCode.USAGE) {
    err(`turnadmin: ${error.message}`);
    err("Run 'turnpike turnadmin -h' for the commands and options.");
    return 2;
  }
  if (!(error instanceof TurnpikeError)) throw error;
  err(`turnadmin: ${error.message}`);
  if (defaultDb !== undefined && error.code === ErrorCode.DATABASE) {
    err(`turnadmin: no database was given (-b FILE, -e, -M or -N), so coturn's default SQLite file ${defaultDb} was used`);
  }
  return 1;
}
