/**
 * The shape of one row of the option table, and the two builders the table is written with.
 * A row knows how coturn takes the option, what it means there, and what Turnpike does with it.
 */

import type { Config } from './types.ts';
import { bool, type ValueType } from './values.ts';

/** What Turnpike does with an option coturn has. */
export const OptionStatus = {
  /** takes effect through a `Config` field */
  Supported: 'supported',
  /** accepted; start-up prints a warning saying what Turnpike does instead */
  Warn: 'warn',
  /** start-up stops and says why: the option asks for what Turnpike cannot or will not do */
  Unsupported: 'unsupported',
  /** removed from coturn itself; start-up stops and says why */
  Removed: 'removed',
} as const;
export type OptionStatus = (typeof OptionStatus)[keyof typeof OptionStatus];

/** How coturn takes an option's value. */
export const ArgMode = {
  /** a flag; `name=off` style values are allowed, and on the command line only as `--name=off` */
  Bool: 'bool',
  /** a value that may be left out (then `bareValue` applies); on the command line only as `--name=v` */
  Optional: 'optional',
  /** a value is needed: `--name=v`, `--name v`, `-X v`, `-Xv`, `name=v` / `name v` in a file */
  Required: 'required',
  /** a command-line switch that takes no value at all (`-n`, `-h`) */
  None: 'none',
} as const;
export type ArgMode = (typeof ArgMode)[keyof typeof ArgMode];

/** Sections of the documentation; the table is split into files along the same lines. */
export const Area = {
  CommandLine: 'Command line only',
  Listeners: 'Listeners and relay addresses',
  Auth: 'Authentication',
  Limits: 'Lifetimes, quotas and bandwidth',
  Peers: 'Peer address policy',
  Stun: 'STUN behaviour',
  Logging: 'Logging',
  Tls: 'TLS and DTLS',
  Databases: 'User and statistics databases',
  Management: 'Management interfaces',
  Process: 'Process and threads',
  Turnpike: 'Turnpike additions',
} as const;
export type Area = (typeof Area)[keyof typeof Area];

/** Mutable state while options are applied in order: the config and order-independent flags. */
export interface ApplyTarget {
  config: Config;
  /** coturn's `syslog` flag wins over any `log-file` path, whatever the order */
  syslog: boolean;
  /** coturn 4.7+'s `log-min-level`, applied to the verbosity once every option is read */
  logMinLevel?: 'debug' | 'info' | 'warning' | 'error';
  /** coturn 4.7+'s `cpus`: the CPU count that `relay-threads` defaults to */
  cpus?: number;
  /** coturn 4.7+'s `unauthorized-ratelimit` and `unauthorized-ratelimit-rps`, whatever their order */
  unauthorizedRatelimit?: boolean;
  unauthorizedRatelimitRps?: number;
}

/** One option. */
export interface OptionSpec {
  /** the long name, as in `turnserver.conf` and `--name` */
  readonly name: string;
  /** the short letter, if coturn has one */
  readonly short: string | undefined;
  /** other long names coturn accepts for the same option */
  readonly aliases: readonly string[];
  readonly arg: ArgMode;
  /** coturn's getopt string makes a few short forms take a value although the long form is a flag */
  readonly shortTakesValue: boolean;
  /** placeholder for help and docs (`<port>`), empty for flags */
  readonly hint: string;
  /** completes "expected ..." in messages */
  readonly expected: string;
  /** the default, as documented */
  readonly defaultText: string;
  /** coturn's meaning, in a short phrase */
  readonly meaning: string;
  readonly status: OptionStatus;
  /** what Turnpike does: the warning text, the reason it is unsupported, or a remark */
  readonly note: string | undefined;
  readonly repeatable: boolean;
  readonly turnpikeOnly: boolean;
  /** only on the command line (`-c`, `-n`, `-h`), never in a file */
  readonly cliOnly: boolean;
  /** the value is a password or secret: messages never show it whole */
  readonly secret: boolean;
  readonly area: Area;
  /** checks the value and stores it; returns what was expected when the value does not fit */
  readonly apply: (target: ApplyTarget, value: string | undefined) => string | undefined;
}

interface CommonDef {
  name: string;
  short?: string;
  aliases?: readonly string[];
  area: Area;
  default?: string;
  meaning: string;
  status: OptionStatus;
  note?: string;
  turnpikeOnly?: boolean;
  cliOnly?: boolean;
  secret?: boolean;
}

/** A flag: bare means on; `name=off` / `--name=0` turn it off as in coturn. */
export function flag(def: CommonDef & { none?: boolean; shortTakesValue?: boolean; set?: (t: ApplyTarget, on: boolean) => void }): OptionSpec {
  const set = def.set;
  return {
    ...common(def),
    arg: def.none ? ArgMode.None : ArgMode.Bool,
    shortTakesValue: def.shortTakesValue ?? false,
    hint: '',
    expected: bool.expected,
    defaultText: def.default ?? 'off',
    repeatable: false,
    apply(target, value) {
      if (value === undefined || value === '') {
        set?.(target, true);
        return undefined;
      }
      const parsed = bool.parse(value);
      if (!parsed.ok) return bool.expected;
      set?.(target, parsed.value);
      return undefined;
    },
  };
}

/** An option with a value of type T; with `bare`, the value may be left out (coturn's optional argument). */
export function valued<T>(
  def: CommonDef & { type: ValueType<T>; repeatable?: boolean; bare?: T; set?: (t: ApplyTarget, value: T) => void },
): OptionSpec {
  const { type, set } = def;
  const optional = 'bare' in def;
  return {
    ...common(def),
    arg: optional ? ArgMode.Optional : ArgMode.Required,
    shortTakesValue: true,
    hint: type.hint,
    expected: type.expected,
    defaultText: def.default ?? 'none',
    repeatable: def.repeatable ?? false,
    apply(target, value) {
      if (value === undefined || value === '') {
        if (!optional) return type.expected;
        set?.(target, def.bare as T);
        return undefined;
      }
      const parsed = type.parse(value);
      if (!parsed.ok) return parsed.expected ?? type.expected;
      set?.(target, parsed.value);
      return undefined;
    },
  };
}

function common(def: CommonDef) {
  return {
    name: def.name,
    short: def.short,
    aliases: def.aliases ?? [],
    meaning: def.meaning,
    status: def.status,
    note: def.note,
    turnpikeOnly: def.turnpikeOnly ?? false,
    cliOnly: def.cliOnly ?? false,
    secret: def.secret ?? false,
    area: def.area,
  };
}
