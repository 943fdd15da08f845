/**
 * Reads a `turnserver` command line the way coturn's getopt_long does: `--name=value`,
 * `--name value` (only for options that need a value), `-X value`, `-Xvalue`, bundled
 * flags (`-afv`, `-afp 3478`), `--` to end options. `-c`, `-n`, `-h` and `--version`
 * are taken out here; every other option becomes an entry for the option table.
 */

import { ArgMode, type OptionSpec } from './option-spec.ts';
import { findLongOption, findShortOption, longOptionNames } from './options.ts';
import { COMMAND_LINE, invalid, missingValue, unknownOption, type Problem } from './messages.ts';
import { nearNames } from './suggest.ts';
import type { ConfigEntry } from './types.ts';

/** What a command line asks for. */
export interface CommandLine {
  /** options for the table and problems found while reading, in command-line order */
  items: Array<{ entry: ConfigEntry } | { problem: Problem }>;
  /** the last `-c FILE` */
  configFile: string | undefined;
  /** `-n` was given: read no file */
  noConfigFile: boolean;
  help: boolean;
  version: boolean;
}

/** Splits `argv` (the words after `turnserver`) into option entries and the file switches. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const out: CommandLine = { items: [], configFile: undefined, noConfigFile: false, help: false, version: false };
  // A long flag given without '=' cannot take the next word as its value; remember it to explain a stray word.
  let lastValueless: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const previous = lastValueless;
    lastValueless = undefined;
    if (arg === '--') {
      for (const rest of argv.slice(i + 1)) problem(out, stray(rest, undefined));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const spec = findLongOption(name);
      if (!spec) {
        problem(out, unknownOption(COMMAND_LINE, `--${name}`, nearNames(name, longOptionNames()).map((n) => `--${n}`)));
        continue;
      }
      let value = eq < 0 ? undefined : arg.slice(eq + 1);
      if (value === undefined && spec.arg === ArgMode.Required && i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
        value = argv[++i];
      }
      if (value === undefined && (spec.arg === ArgMode.Bool || spec.arg === ArgMode.Optional)) lastValueless = `--${name}`;
      take(out, spec, value, `--${name}`);
    } else if (arg.startsWith('-') && arg.length > 1) {
      i = readShortOptions(argv, i, out);
    } else {
      problem(out, stray(arg, previous));
    }
  }
  return out;
}

/** Reads one `-abc` word (and the next word when its last letter needs a value); returns the index reached. */
function readShortOptions(argv: readonly string[], index: number, out: CommandLine): number {
  const arg = argv[index];
  const longName = arg.slice(1).split('=')[0];
  if (longName.length > 2 && findLongOption(longName)) {
    problem(out, invalid(COMMAND_LINE, `option '${arg}' has one dash: write '-${arg}'`));
    return index;
  }
  for (let j = 1; j < arg.length; j++) {
    const letter = arg[j];
    const spec = findShortOption(letter);
    if (!spec) {
      problem(out, unknownOption(COMMAND_LINE, `-${letter}`, []));
      continue;
    }
    if (!spec.shortTakesValue || spec.arg === ArgMode.None) {
      take(out, spec, undefined, `-${letter}`);
      continue;
    }
    let value: string | undefined = arg.slice(j + 1);
    if (value === '') value = index + 1 < argv.length ? argv[++index] : undefined;
    if (value?.startsWith('=')) {
      problem(out, invalid(COMMAND_LINE, `option '-${letter}' has value '${value}': a short option takes its value without '=' (-${letter} ${value.slice(1)})`));
      return index;
    }
    take(out, spec, value, `-${letter}`);
    return index;
  }
  return index;
}

/** Routes one recognised option: the file switches here, everything else to the entries. */
function take(out: CommandLine, spec: OptionSpec, value: string | undefined, spelled: string): void {
  if (spec.arg === ArgMode.None && value !== undefined) {
    problem(out, invalid(COMMAND_LINE, `option '${spelled}' takes no value`));
    return;
  }
  switch (spec.name) {
    case 'c':
      if (value === undefined || value === '') problem(out, missingValue(COMMAND_LINE, spelled, spec.expected));
      else out.configFile = value;
      return;
    case 'n':
      out.noConfigFile = true;
      return;
    case 'help':
      out.help = true;
      return;
    case 'version':
      out.version = true;
      return;
    default:
      out.items.push({ entry: { name: spec.name, value, where: COMMAND_LINE, spelled } });
  }
}

function problem(out: CommandLine, found: Problem): void {
  out.items.push({ problem: found });
}

function stray(word: string, after: string | undefined): Problem {
  const hint = after ? ` — '${after}' takes a value only as '${after}=${word}'` : ' — options start with - or --';
  return invalid(COMMAND_LINE, `unexpected argument '${word}'${hint}`);
}
