/**
 * `turnadmin`'s user-database commands: what each needs, checked in coturn's order with coturn's
 * messages, and what each writes or prints, line for line as coturn 4.6 prints it.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { ADMIN_PASSWORD_SALT_BYTES, hashAdminPassword } from '../auth/admin-password.ts';
import { longTermKey } from '../auth/long-term-key.ts';
import { saslPrep } from '../auth/saslprep.ts';
import type { RealmOptionName, UserDatabase } from '../db/types.ts';
import { usageError, type CommandId, type GivenCommand, type ValueId } from './turnadmin-args.ts';
import { canonicalOrigin } from '../net/origin.ts';

/**
 * A command coturn refuses with "The operation cannot be completed: …" or "Wrong …": the
 * message is printed as coturn prints it (scripts may look for it) and the exit status is
 * coturn's, 255.
 */
export class CoturnRefusal extends TurnpikeError {
  readonly exitCode = 255;
  constructor(message: string) {
    super(ErrorCode.USAGE, message);
  }
}

const cannotComplete = (what: string): CoturnRefusal =>
  new CoturnRefusal(`The operation cannot be completed: ${what}.`);

/** The commands that work on a user database. */
export const DATABASE_COMMANDS: ReadonlySet<CommandId> = new Set<CommandId>([
  'add', 'add-admin', 'delete', 'delete-admin', 'list', 'list-admin',
  'set-secret', 'show-secret', 'delete-secret', 'delete-all-secrets',
  'add-origin', 'del-origin', 'list-origins', 'set-realm-option', 'list-realm-options',
]);

/** The values the commands use, prepared as coturn prepares them ('' when not given). */
export interface Credentials {
  user: string;
  realm: string;
  password: string;
  origin: string;
}

/** coturn's SASLprep refuses ASCII and C1 control characters; the rest is RFC 4013's preparation. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** coturn refuses these in a user name (they would break its SQL and Redis commands). */
function unsafeUserName(name: string): boolean {
  const lower = name.toLowerCase();
  return /[ \t'"\n\r\\]/.test(name) || (lower.includes('union') && lower.includes('select'));
}

/**
 * Reads -u, -r, -p and -o. Like coturn, a user name, realm or password that cannot be used is
 * refused whatever the command; unlike coturn, a refused password is not printed back.
 */
export function readCredentials(values: ReadonlyMap<ValueId, string>): Credentials {
  const user = values.get('user') ?? '';
  const realm = values.get('realm') ?? '';
  const password = values.get('password') ?? '';
  if (unsafeUserName(user)) {
    throw new CoturnRefusal(`Wrong user name structure or symbols, choose another name: ${user}`);
  }
  if (CONTROL.test(user)) throw new CoturnRefusal(`Wrong user name: ${JSON.stringify(user)}`);
  if (CONTROL.test(realm)) throw new CoturnRefusal(`Wrong realm: ${JSON.stringify(realm)}`);
  if (CONTROL.test(password)) throw new CoturnRefusal('Wrong password: it contains a control character');
  return { user: saslPrep(user), realm: saslPrep(realm), password: saslPrep(password), origin: values.get('origin') ?? '' };
}

/** A realm option to set with -g, and its value (0 removes it). */
export interface RealmOptionValue {
  option: RealmOptionName;
  value: number;
}

/** --max-bps, --user-quota, --total-quota, in the order coturn applies them. */
export function readRealmOptions(values: ReadonlyMap<ValueId, string>): RealmOptionValue[] {
  const result: RealmOptionValue[] = [];
  for (const option of ['max-bps', 'user-quota', 'total-quota'] as const) {
    const text = values.get(option);
    if (text === undefined) continue;
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || (option !== 'max-bps' && value > 0x7fffffff)) {
      throw usageError(`--${option} needs a whole number of 0 or more (0 removes the option), not '${text}'`);
    }
    result.push({ option, value });
  }
  return result;
}

/**
 * Checks that a database command has what it needs, in coturn's order and with its messages
 * (exit 255). Resolves to false when there is nothing to do (`-s ''`, as coturn).
 */
export function checkDatabaseCommand(command: GivenCommand, creds: Credentials, options: readonly RealmOptionValue[]): boolean {
  const need = (value: string, what: string): void => {
    if (value === '') throw cannotComplete(what);
  };
  switch (command.id) {
    case 'set-secret':
      if ((command.value ?? '') === '') return false;
      need(creds.realm, 'the realm must be set');
      return true;
    case 'delete-secret':
    case 'delete-all-secrets':
      need(creds.realm, 'the realm must be set');
      return true;
    case 'add-origin':
      need(creds.origin, 'the origin must be set');
      need(creds.realm, 'the realm must be set');
      return true;
    case 'del-origin':
      need(creds.origin, 'the origin must be set');
      return true;
    case 'set-realm-option':
      need(creds.realm, 'the realm must be set');
      if (options.length === 0) throw cannotComplete('a realm option must be set');
      return true;
    case 'add':
      need(creds.user, 'the user must be set');
      need(creds.password, 'the password must be set');
      need(creds.realm, 'the realm must be set');
      return true;
    case 'delete':
      need(creds.user, 'the user must be set');
      need(creds.realm, 'the realm must be set');
      return true;
    case 'add-admin':
      need(creds.user, 'the user must be set');
      need(creds.password, 'the password must be set');
      return true;
    case 'delete-admin':
      need(creds.user, 'the user must be set');
      return true;
    default:
      return true;
  }
}

/** The hex long-term key a database stores: 32 lower-case hex digits, no "0x" (RFC 8489 §9.2.2). */
export const storedUserKey = (creds: Credentials): string =>
  longTermKey(creds.user, creds.realm, creds.password).toString('hex');

/** Runs a checked database command, printing listings with `out` as coturn prints them. */
export async function runDatabaseCommand(
  db: UserDatabase,
  command: GivenCommand,
  creds: Credentials,
  options: readonly RealmOptionValue[],
  out: (line: string) => void,
): Promise<void> {
  const { user, realm, password } = creds;
  const filter = realm === '' ? undefined : realm;
  switch (command.id) {
    case 'add':
      await db.setUserKey(realm, user, storedUserKey(creds));
      return;
    case 'delete':
      await db.deleteUser(realm, user);
      return;
    case 'list':
      for (const u of await db.listUsers(filter)) out(`${u.name}[${u.realm}]`);
      return;
    case 'add-admin':
      await db.setAdminUser({ name: user, realm, password: hashAdminPassword(password, randomBytes(ADMIN_PASSWORD_SALT_BYTES)) });
      return;
    case 'delete-admin':
      await db.deleteAdminUser(user);
      return;
    case 'list-admin':
      // coturn lists every admin user, whatever -r says.
      for (const a of await db.listAdminUsers()) out(a.realm === '' ? a.name : `${a.name}[${a.realm}]`);
      return;
    case 'set-secret':
      // coturn deletes the secret first, so adding one twice leaves one.
      await db.deleteSecret(realm, command.value!);
      await db.addSecret(realm, command.value!);
      return;
    case 'show-secret':
      for (const s of await db.listSecrets(filter)) out(`${s.value}[${s.realm}]`);
      return;
    case 'delete-secret':
      // `-X ''` is coturn's way of deleting every secret of the realm, as --delete-all-secrets.
      if (command.value === '') await db.deleteAllSecrets(realm);
      else await db.deleteSecret(realm, command.value!);
      return;
    case 'delete-all-secrets':
      await db.deleteAllSecrets(realm);
      return;
    case 'add-origin':
      await db.addOrigin(canonicalOrigin(creds.origin), realm);
      return;
    case 'del-origin':
      await db.deleteOrigin(canonicalOrigin(creds.origin));
      return;
    case 'list-origins':
      for (const o of await db.listOrigins(filter)) out(`${o.origin} ==>> ${o.realm}`);
      return;
    case 'set-realm-option':
      for (const { option, value } of options) await db.setRealmOption(realm, option, value);
      return;
    case 'list-realm-options':
      // coturn prints Redis's realm options in another format than the SQL databases'.
      for (const o of await db.listRealmOptions(filter)) {
        out(db.kind === 'redis' ? `${o.realm}/${o.option} = ${o.value}` : `${o.option}[${o.realm}]=${o.value}`);
      }
      return;
    default:
      throw new Error(`turnadmin: '${command.flag}' is not a database command`);
  }
}
