/**
 * coturn reads users from its SQLite file `/var/lib/turn/turndb` when no other database is
 * named. Turnpike does the same, but only where that file already exists and the
 * configuration asks for credentials it does not itself hold (`lt-cred-mech` without `user=`
 * lines, `use-auth-secret` without `static-auth-secret`): exactly the set-up of an operator
 * whose users live in coturn's default database. The file is never created here.
 */
import { accessSync, constants } from 'node:fs';
import type { Config } from './types.ts';

/** coturn's default SQLite user database on Debian and in its own builds. */
export const COTURN_DEFAULT_USERDB = '/var/lib/turn/turndb';

/** The path looked at; `TURNPIKE_DEFAULT_USERDB` moves it (tests, packagers). */
export function defaultUserDbPath(): string {
  return process.env.TURNPIKE_DEFAULT_USERDB ?? COTURN_DEFAULT_USERDB;
}

/** Sets `config.userDb` to coturn's default file when the rules above say so; true if it did. */
export function applyDefaultUserDb(config: Config): boolean {
  if (config.userDb !== undefined || config.noAuth || config.stunOnly) return false;
  const wantsUsers = config.ltCredMech && !config.useAuthSecret && config.users.length === 0;
  const wantsSecrets = config.useAuthSecret && config.staticAuthSecrets.length === 0;
  if (!wantsUsers && !wantsSecrets) return false;
  const path = defaultUserDbPath();
  try {
    accessSync(path, constants.R_OK);
  } catch {
    return false;
  }
  config.userDb = { kind: 'sqlite', connection: path };
  return true;
}
