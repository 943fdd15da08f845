/**
 * Start-up configuration the coturn way: the configuration file first (`-c FILE`, or the
 * first default path that exists, or none with `-n`), then the command line, which
 * overrides single-valued options and adds to repeatable ones. Every problem is gathered
 * before anything is thrown, so one run shows them all.
 */

import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { parseCommandLine, type CommandLine } from './argv.ts';
import { defaultConfig } from './defaults.ts';
import { parseConfigFile } from './file.ts';
import { COMMAND_LINE, invalid } from './messages.ts';
import { applyEntries, type ResolveState } from './resolve.ts';
import type { LoadedConfig } from './types.ts';
import { finishConfig, openRelayProblem } from './validate.ts';

/** Where `turnserver.conf` is looked for when neither `-c` nor `-n` is given, in order. */
export const DEFAULT_CONFIG_PATHS: readonly string[] = [
  './turnserver.conf',
  '/etc/turnserver.conf',
  '/etc/coturn/turnserver.conf',
  '/usr/local/etc/turnserver.conf',
];

/** Directories a relative `-c` name is also looked for in, after the current directory, as coturn does. */
const CONFIG_DIRS = ['etc', '../etc', '/etc', '/etc/coturn', '/usr/local/etc'];

/** The environment variable naming a configuration file when the command line names none (Turnpike's own). */
export const CONFIG_ENV = 'TURNPIKE_CONFIG';

/** A configuration that cannot be used; `problems` holds one line per mistake, as in the message. */
export class ConfigError extends TurnpikeError {
  readonly problems: readonly string[];
  constructor(code: ErrorCode, problems: readonly string[]) {
    super(code, problems.join('\n'));
    this.problems = problems;
  }
}

/** Where files come from; tests pass their own. */
export interface LoadOptions {
  /** replaces DEFAULT_CONFIG_PATHS */
  defaultConfigPaths?: readonly string[];
  /** for TURNPIKE_CONFIG; defaults to process.env */
  env?: NodeJS.ProcessEnv;
  /** reads a file as UTF-8 text, throwing ENOENT when it does not exist; defaults to fs.readFileSync */
  readFile?: (path: string) => string;
}

/**
 * Builds the server configuration from `argv`, the arguments after `turnserver`.
 * With `-h`/`--help` or `--version`, nothing else is read and defaults come back.
 * Throws a `ConfigError` (a TurnpikeError) with code CONFIG_INVALID, CONFIG_UNSUPPORTED
 * or OPEN_RELAY_REFUSED whose message lists every problem found, one per line.
 */
export function loadTurnserverConfig(argv: readonly string[], opts: LoadOptions = {}): LoadedConfig & { help: boolean; version: boolean } {
  const cli = parseCommandLine(argv);
  if (cli.help || cli.version) return { config: defaultConfig(), warnings: [], help: cli.help, version: cli.version };
  const state: ResolveState = { target: { config: defaultConfig(), syslog: false }, problems: [], warnings: [], seen: new Map(), failed: new Set() };
  const file = chooseFile(cli, opts, state);
  if (file) {
    state.target.config.sources.push(file.path);
    const parsed = parseConfigFile(file.text, file.path);
    state.problems.push(...parsed.problems.map((text) => ({ kind: 'invalid' as const, text })));
    applyEntries(parsed.entries, state, true);
  }
  for (const item of cli.items) {
    if ('problem' in item) state.problems.push(item.problem);
    else applyEntries([item.entry], state, false);
  }
  finishConfig(state);
  const problems = state.problems;
  if (problems.some((p) => p.kind === 'invalid')) throw new ConfigError(ErrorCode.CONFIG_INVALID, problems.map((p) => p.text));
  if (problems.length > 0) throw new ConfigError(ErrorCode.CONFIG_UNSUPPORTED, problems.map((p) => p.text));
  const openRelay = openRelayProblem(state.target.config);
  if (openRelay) throw new ConfigError(ErrorCode.OPEN_RELAY_REFUSED, [openRelay]);
  return { config: state.target.config, warnings: state.warnings, help: false, version: false };
}

/** Finds and reads the one configuration file to use, if any. */
function chooseFile(cli: CommandLine, opts: LoadOptions, state: ResolveState): { path: string; text: string } | undefined {
  const readFile = opts.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  if (cli.noConfigFile) {
    if (cli.configFile !== undefined) {
      state.warnings.push({ where: COMMAND_LINE, option: 'c', message: `'-c ${cli.configFile}' is ignored because '-n' (no configuration file) is given` });
    }
    return undefined;
  }
  const named = cli.configFile ?? nonEmpty((opts.env ?? process.env)[CONFIG_ENV]);
  if (named !== undefined) {
    const how = cli.configFile !== undefined ? '-c' : CONFIG_ENV;
    const candidates = isAbsolute(named) ? [named] : [named, ...CONFIG_DIRS.map((dir) => join(dir, named))];
    const before = state.problems.length;
    const found = readFirst(candidates, readFile, state, how);
    if (!found && state.problems.length === before) {
      state.problems.push(invalid(COMMAND_LINE, `configuration file '${named}' (${how}) not found; looked for ${candidates.join(', ')}`));
    }
    return found;
  }
  const defaults = opts.defaultConfigPaths ?? DEFAULT_CONFIG_PATHS;
  const found = readFirst(defaults, readFile, state, 'default');
  if (!found && defaults.length > 0) {
    state.warnings.push({
      where: COMMAND_LINE, option: 'c',
      message: `no configuration file found (looked for ${defaults.join(', ')}); using the command line and defaults`,
    });
  }
  return found;
}

/** Reads the first candidate that exists; a file that exists but cannot be read is a problem. */
function readFirst(
  candidates: readonly string[], readFile: (path: string) => string, state: ResolveState, how: string,
): { path: string; text: string } | undefined {
  for (const path of candidates) {
    try {
      return { path, text: readFile(path) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      const reason = error instanceof Error ? error.message : String(error);
      state.problems.push(invalid(COMMAND_LINE, `configuration file '${path}' (${how}) cannot be read: ${reason}`));
      return undefined;
    }
  }
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
