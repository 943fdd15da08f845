/**
 * `turnpike turnadmin`'s command line, read the way coturn 4.6's turnadmin reads it
 * (GNU getopt_long): `-u bob`, `-ubob`, clustered flags `-lb FILE`, `--user=bob`, `--user bob`,
 * unambiguous abbreviations of long names (`--pass=x`), operands anywhere. Values given twice:
 * the last one counts, as in coturn.
 */
import { ErrorCode, TurnpikeError } from '../errors.ts';

/** The commands (coturn runs exactly one per call). */
export type CommandId =
  | 'key' | 'encrypt-password' | 'encrypt-aes' | 'verify-aes' | 'write-key-file' | 'help'
  | 'add' | 'add-admin' | 'delete' | 'delete-admin' | 'list' | 'list-admin'
  | 'set-secret' | 'show-secret' | 'delete-secret' | 'delete-all-secrets'
  | 'add-origin' | 'del-origin' | 'list-origins' | 'set-realm-option' | 'list-realm-options';

/** Options that carry a value for the command. */
export type ValueId =
  | 'userdb' | 'psql-userdb' | 'mysql-userdb' | 'mongo-userdb' | 'redis-userdb'
  | 'user' | 'realm' | 'password' | 'origin' | 'file-key-path' | 'max-bps' | 'total-quota' | 'user-quota';

/**
 * `none`: a flag. `required`: a value follows (`-u bob`, `--user=bob`). `ignored`: coturn 4.6
 * declares `--list-origins` with a required value it never uses, so `--list-origins=x` and
 * `--list-origins x` work there; here the value is optional and dropped.
 */
type ArgKind = 'none' | 'required' | 'ignored';

interface OptionSpec {
  id: CommandId | ValueId;
  command: boolean;
  short?: string;
  long: readonly string[];
  arg: ArgKind;
}

const cmd = (id: CommandId, short: string | undefined, arg: ArgKind, ...long: string[]): OptionSpec =>
  ({ id, command: true, short, long, arg });
const val = (id: ValueId, short: string | undefined, ...long: string[]): OptionSpec =>
  ({ id, command: false, short, long, arg: 'required' });

/** coturn 4.6's turnadmin options; its long names as it really accepts them, plus the help's spelling. */
const OPTIONS: readonly OptionSpec[] = [
  cmd('encrypt-password', 'P', 'none', 'generate-encrypted-password'),
  cmd('encrypt-aes', 'E', 'none', 'generate-encrypted-password-aes'),
  cmd('key', 'k', 'none', 'key'),
  cmd('add', 'a', 'none', 'add'),
  cmd('delete', 'd', 'none', 'delete'),
  cmd('list', 'l', 'none', 'list'),
  cmd('list-admin', 'L', 'none', 'list-admin'),
  cmd('set-secret', 's', 'required', 'set-secret'),
  cmd('show-secret', 'S', 'none', 'show-secret'),
  cmd('delete-secret', 'X', 'required', 'delete-secret'),
  cmd('delete-all-secrets', undefined, 'none', 'delete-all-secrets'),
  cmd('add-admin', 'A', 'none', 'add-admin'),
  cmd('delete-admin', 'D', 'none', 'delete-admin'),
  val('userdb', 'b', 'userdb', 'db'),
  val('psql-userdb', 'e', 'psql-userdb', 'sql-userdb'),
  val('mysql-userdb', 'M', 'mysql-userdb'),
  val('mongo-userdb', 'J', 'mongo-userdb'),
  val('redis-userdb', 'N', 'redis-userdb'),
  val('user', 'u', 'user'),
  val('realm', 'r', 'realm'),
  val('password', 'p', 'password'),
  val('file-key-path', 'f', 'file-key-path'),
  cmd('verify-aes', 'v', 'required', 'verify'),
  cmd('write-key-file', 'x', 'required', 'key-path'),
  cmd('add-origin', 'O', 'none', 'add-origin'),
  cmd('del-origin', 'R', 'none', 'del-origin'),
  cmd('list-origins', 'I', 'ignored', 'list-origins'),
  val('origin', 'o', 'origin'),
  cmd('set-realm-option', 'g', 'none', 'set-realm-option'),
  // coturn 4.6 accepts only the singular; its help prints the plural.
  cmd('list-realm-options', 'G', 'none', 'list-realm-option', 'list-realm-options'),
  val('user-quota', undefined, 'user-quota'),
  val('total-quota', undefined, 'total-quota'),
  val('max-bps', undefined, 'max-bps'),
  cmd('help', 'h', 'none', 'help'),
];

/** A command as typed: which one, the flag spelling to quote back, and its value (`-s VALUE`, `-x PATH`, `-v TEXT`). */
export interface GivenCommand {
  id: CommandId;
  flag: string;
  value?: string;
}

/** The command line, read. */
export interface ParsedArgs {
  commands: GivenCommand[];
  values: Map<ValueId, string>;
  /** the last database option given (coturn uses the last one), with its flag */
  database?: { id: ValueId; flag: string; value: string };
  /** arguments that are not options (coturn refuses any) */
  operands: string[];
}

/** A command line that cannot be used: exit status 2. */
export const usageError = (message: string): TurnpikeError => new TurnpikeError(ErrorCode.USAGE, message);

const DATABASE_OPTIONS: readonly ValueId[] = ['userdb', 'psql-userdb', 'mysql-userdb', 'mongo-userdb', 'redis-userdb'];

/** Finds a long option by its name or an unambiguous abbreviation, as getopt_long does. */
function findLong(name: string): OptionSpec {
  const exact = OPTIONS.find((o) => o.long.includes(name));
  if (exact) return exact;
  const matches = OPTIONS.filter((o) => o.long.some((l) => l.startsWith(name)));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) throw usageError(`unknown option '--${name}'`);
  const names = matches.flatMap((o) => o.long.filter((l) => l.startsWith(name)).map((l) => `'--${l}'`));
  throw usageError(`option '--${name}' is ambiguous: it could be ${names.join(', ')}`);
}

/** Reads argv; throws `TurnpikeError` USAGE for unknown options and missing values. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { commands: [], values: new Map(), operands: [] };
  const record = (spec: OptionSpec, flag: string, value: string | undefined): void => {
    if (spec.command) {
      parsed.commands.push({ id: spec.id as CommandId, flag, ...(spec.arg === 'required' ? { value } : {}) });
      return;
    }
    const id = spec.id as ValueId;
    parsed.values.set(id, value ?? '');
    if (DATABASE_OPTIONS.includes(id)) parsed.database = { id, flag, value: value ?? '' };
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      parsed.operands.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = findLong(name);
      const flag = `--${spec.long.find((l) => l.startsWith(name))}`;
      let value = eq < 0 ? undefined : arg.slice(eq + 1);
      if (spec.arg === 'none' && value !== undefined) throw usageError(`option '${flag}' takes no value`);
      if (spec.arg === 'required' && value === undefined) {
        if (i + 1 >= argv.length) throw usageError(`option '${flag}' needs a value`);
        value = argv[++i];
      }
      if (spec.arg === 'ignored' && value === undefined && i + 1 < argv.length && !argv[i + 1].startsWith('-')) i++;
      record(spec, flag, value);
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let c = 1; c < arg.length; c++) {
        const spec = OPTIONS.find((o) => o.short === arg[c]);
        if (!spec) throw usageError(`unknown option '-${arg[c]}'`);
        const flag = `-${arg[c]}`;
        if (spec.arg !== 'required') {
          record(spec, flag, undefined);
          continue;
        }
        let value = arg.slice(c + 1);
        if (value === '') {
          if (i + 1 >= argv.length) throw usageError(`option '${flag}' needs a value`);
          value = argv[++i];
        }
        record(spec, flag, value);
        break;
      }
    } else {
      parsed.operands.push(arg);
    }
  }
  return parsed;
}

/** Whether `-h`/`--help` was given: it wins over everything else. */
export const wantsHelp = (parsed: ParsedArgs): boolean => parsed.commands.some((c) => c.id === 'help');

/** The one command to run; none, or two different ones, is a usage error (coturn silently runs the last). */
export function chooseCommand(parsed: ParsedArgs): GivenCommand {
  if (parsed.operands.length > 0) throw usageError(`unexpected argument '${parsed.operands[0]}'`);
  const distinct = [...new Map(parsed.commands.map((c) => [c.id, c])).values()];
  if (distinct.length > 1) {
    throw usageError(`give one command, not ${distinct.map((c) => `'${c.flag}'`).join(' and ')}`);
  }
  if (distinct.length === 0) throw usageError('no command given');
  // Given twice (`-s a -s b`): the last value counts, as in coturn.
  return parsed.commands.filter((c) => c.id === distinct[0].id).at(-1)!;
}
