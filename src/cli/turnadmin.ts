import { randomBytes } from 'node:crypto';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { ADMIN_PASSWORD_SALT_BYTES, hashAdminPassword } from '../auth/admin-password.ts';
import { formatKeyHex, longTermKey } from '../auth/long-term-key.ts';

/**
 * `turnpike turnadmin`: coturn's administration tool with the same command line.
 * `-k` prints a long-term key (RFC 8489 §9.2.2) and `-P` an admin password hash; the
 * commands that edit a user database answer that databases are not there yet.
 */

/** What an option does: start a command, or carry a value for one. */
type OptionKind = 'command' | 'database-command' | 'unsupported-command' | 'value';

interface OptionSpec {
  id: string;
  kind: OptionKind;
  short?: string;
  long: string[];
  /** Whether the option is followed by a value (`-u bob`, `--user=bob`). */
  takesValue: boolean;
}

const command = (id: string, short: string, ...long: string[]): OptionSpec => ({
  id, kind: 'command', short, long, takesValue: false,
});
const dbCommand = (id: string, short: string | undefined, takesValue: boolean, ...long: string[]): OptionSpec => ({
  id, kind: 'database-command', short, long, takesValue,
});
const value = (id: string, short: string | undefined, ...long: string[]): OptionSpec => ({
  id, kind: 'value', short, long, takesValue: true,
});

/** coturn 4.6's turnadmin options (`man turnadmin`). */
const OPTIONS: readonly OptionSpec[] = [
  command('key', 'k', 'key'),
  command('encrypt-password', 'P', 'generate-encrypted-password'),
  command('help', 'h', 'help'),
  dbCommand('add', 'a', false, 'add'),
  dbCommand('add-admin', 'A', false, 'add-admin'),
  dbCommand('delete', 'd', false, 'delete'),
  dbCommand('delete-admin', 'D', false, 'delete-admin'),
  dbCommand('list', 'l', false, 'list'),
  dbCommand('list-admin', 'L', false, 'list-admin'),
  dbCommand('set-secret', 's', true, 'set-secret'),
  dbCommand('show-secret', 'S', false, 'show-secret'),
  dbCommand('delete-secret', 'X', true, 'delete-secret'),
  dbCommand('delete-all-secrets', undefined, false, 'delete-all-secrets', 'delete-all_secrets'),
  dbCommand('add-origin', 'O', false, 'add-origin'),
  dbCommand('del-origin', 'R', false, 'del-origin'),
  dbCommand('list-origins', 'I', false, 'list-origins'),
  dbCommand('set-realm-option', 'g', false, 'set-realm-option'),
  dbCommand('list-realm-options', 'G', false, 'list-realm-options'),
  { id: 'encrypt-aes', kind: 'unsupported-command', short: 'E', long: ['generate-encrypted-password-aes'], takesValue: false },
  { id: 'verify', kind: 'unsupported-command', short: 'v', long: ['verify'], takesValue: true },
  value('userdb', 'b', 'db', 'userdb'),
  value('psql-userdb', 'e', 'psql-userdb', 'sql-userdb'),
  value('mysql-userdb', 'M', 'mysql-userdb'),
  value('mongo-userdb', 'J', 'mongo-userdb'),
  value('redis-userdb', 'N', 'redis-userdb'),
  value('user', 'u', 'user'),
  value('realm', 'r', 'realm'),
  value('password', 'p', 'password'),
  value('key-path', 'x', 'key-path'),
  value('file-key-path', 'f', 'file-key-path'),
  value('origin', 'o', 'origin'),
  value('max-bps', undefined, 'max-bps'),
  value('total-quota', undefined, 'total-quota'),
  value('user-quota', undefined, 'user-quota'),
];

/** A command as the user typed it: which one, and the flag spelling to quote back. */
interface GivenCommand {
  spec: OptionSpec;
  flag: string;
}

interface ParsedArgs {
  commands: GivenCommand[];
  values: Map<string, string>;
}

const usageError = (message: string): TurnpikeError => new TurnpikeError(ErrorCode.USAGE, message);

/** Reads argv the way getopt_long does: `-u bob`, `-ubob`, clustered flags `-kh`, `--user=bob`, `--user bob`. */
function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { commands: [], values: new Map() };
  const take = (spec: OptionSpec, flag: string, inline: string | undefined, index: number): number => {
    let text = inline;
    let next = index;
    if (spec.takesValue && text === undefined) {
      if (index + 1 >= argv.length) throw usageError(`option '${flag}' needs a value`);
      next = index + 1;
      text = argv[next];
    }
    if (spec.kind === 'value') parsed.values.set(spec.id, text ?? '');
    else parsed.commands.push({ spec, flag });
    return next;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = OPTIONS.find((o) => o.long.includes(name));
      if (!spec) throw usageError(`unknown option '--${name}'`);
      if (eq >= 0 && !spec.takesValue) throw usageError(`option '--${name}' takes no value`);
      i = take(spec, `--${name}`, eq < 0 ? undefined : arg.slice(eq + 1), i);
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let c = 1; c < arg.length; c++) {
        const spec = OPTIONS.find((o) => o.short === arg[c]);
        if (!spec) throw usageError(`unknown option '-${arg[c]}'`);
        if (spec.takesValue) {
          const rest = arg.slice(c + 1);
          i = take(spec, `-${arg[c]}`, rest === '' ? undefined : rest, i);
          break;
        }
        take(spec, `-${arg[c]}`, undefined, i);
      }
    } else {
      throw usageError(`unexpected argument '${arg}'`);
    }
  }
  return parsed;
}

/** Picks the one command to run; several different ones is a usage error. */
function chooseCommand(parsed: ParsedArgs): GivenCommand {
  const distinct = [...new Map(parsed.commands.map((c) => [c.spec.id, c])).values()];
  if (distinct.some((c) => c.spec.id === 'help')) return distinct.find((c) => c.spec.id === 'help')!;
  if (distinct.length > 1) {
    throw usageError(`give one command, not ${distinct.map((c) => `'${c.flag}'`).join(' and ')}`);
  }
  if (distinct.length === 1) return distinct[0];
  // coturn treats a bare -o ORIGIN as "add origin" (with -r) or "delete origin" (without).
  if (parsed.values.has('origin')) {
    const id = parsed.values.has('realm') ? 'add-origin' : 'del-origin';
    return { spec: OPTIONS.find((o) => o.id === id)!, flag: '-o' };
  }
  throw usageError('no command given (try -k, -P or -h)');
}

/** The values a command needs, in order, named as the usage error shows them. */
function requireValues(parsed: ParsedArgs, flag: string, needed: [id: string, label: string][]): string[] {
  const missing = needed.filter(([id]) => (parsed.values.get(id) ?? '') === '').map(([, label]) => label);
  if (missing.length > 0) {
    const all = needed.map(([, label]) => label).join(', ');
    throw usageError(`'${flag}' needs ${all}; missing ${missing.join(', ')}`);
  }
  return needed.map(([id]) => parsed.values.get(id)!);
}

/**
 * Runs `turnadmin` with coturn's arguments, writing results to `out` and complaints to
 * `err` (default: `out`). Resolves to the exit code: 0 on success, 2 for a command line
 * that cannot be run (a usage error, or a command that needs a user database).
 *
 * `-k -u USER -r REALM -p PASSWORD` prints the RFC 8489 §9.2.2 key as "0x…";
 * `-P -p PASSWORD` prints "$5$salt$sha256" with a random salt; `-h` prints the help.
 */
export async function turnadmin(
  argv: string[],
  out: (line: string) => void,
  err: (line: string) => void = out,
): Promise<number> {
  try {
    const parsed = parseArgs(argv);
    const given = chooseCommand(parsed);
    switch (given.spec.kind) {
      case 'database-command':
        err(`turnadmin: '${given.flag}' needs a user database; databases arrive in a later release`);
        return 2;
      case 'unsupported-command':
        err(`turnadmin: '${given.flag}' (AES-128 password encryption) is not supported`);
        return 2;
      default:
        break;
    }
    if (given.spec.id === 'help') {
      for (const line of HELP) out(line);
      return 0;
    }
    if (given.spec.id === 'key') {
      const [user, realm, password] = requireValues(parsed, given.flag, [
        ['user', '-u USER'],
        ['realm', '-r REALM'],
        ['password', '-p PASSWORD'],
      ]);
      out(formatKeyHex(longTermKey(user, realm, password)));
      return 0;
    }
    const [password] = requireValues(parsed, given.flag, [['password', '-p PASSWORD']]);
    out(hashAdminPassword(password, randomBytes(ADMIN_PASSWORD_SALT_BYTES)));
    return 0;
  } catch (error) {
    if (error instanceof TurnpikeError && error.code === ErrorCode.USAGE) {
      err(`turnadmin: ${error.message}`);
      err("Run 'turnadmin -h' for the list of commands.");
      return 2;
    }
    throw error;
  }
}

const HELP: readonly string[] = [
  'Usage: turnadmin COMMAND [OPTIONS]',
  '',
  'Commands available now:',
  '  -k, --key                          print the long-term key of -u USER in -r REALM with -p PASSWORD',
  '                                     (the 0x... value for user=NAME:0x... or a user database)',
  '  -P, --generate-encrypted-password  print a $5$ hash of -p PASSWORD for admin users and cli-password',
  '  -h, --help                         print this help',
  '',
  'Commands that need a user database (coming in a later release):',
  '  -a, --add / -d, --delete           add or update / delete a long-term user',
  '  -l, --list                         list long-term users',
  '  -A, --add-admin / -D, --delete-admin / -L, --list-admin   admin users',
  '  -s, --set-secret=SECRET / -S, --show-secret / -X, --delete-secret=SECRET / --delete-all-secrets',
  '                                     TURN REST API shared secrets',
  '  -O, --add-origin / -R, --del-origin / -I, --list-origins   origin-to-realm mappings',
  '  -g, --set-realm-option / -G, --list-realm-options          per-realm max-bps, user-quota, total-quota',
  '',
  'Options:',
  '  -u, --user=USER  -r, --realm=REALM  -p, --password=PASSWORD  -o, --origin=ORIGIN',
  '  -b, --db, --userdb=FILE             SQLite user database',
  '  -e, --psql-userdb=CONNINFO          PostgreSQL user database',
  '  -M, --mysql-userdb=CONNINFO         MySQL user database',
  '  -N, --redis-userdb=CONNINFO         Redis user database',
  '  -J, --mongo-userdb=CONNINFO         MongoDB user database',
  '  --max-bps=N  --user-quota=N  --total-quota=N   values for -g',
  '',
  'Example: turnadmin -k -u ling -r demo -p ling1234',
];
