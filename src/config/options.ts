/**
 * The option table: every option of coturn 4.6's and coturn 4.17's `turnserver` plus Turnpike's own, the
 * single source of truth for parsing, validation, `--help` and docs/configuration.md.
 */

import type { OptionSpec } from './option-spec.ts';
import { authOptions } from './options-auth.ts';
import { databaseOptions } from './options-databases.ts';
import { limitOptions } from './options-limits.ts';
import { listenerOptions } from './options-listeners.ts';
import { loggingOptions } from './options-logging.ts';
import { managementOptions } from './options-management.ts';
import { peerOptions } from './options-peers.ts';
import { processOptions } from './options-process.ts';
import { stunOptions } from './options-stun.ts';
import { tlsOptions } from './options-tls.ts';
import { commandLineOptions, turnpikeOptions } from './options-turnpike.ts';

/** Every option, in documentation order. */
export const OPTIONS: readonly OptionSpec[] = [
  ...commandLineOptions,
  ...listenerOptions,
  ...authOptions,
  ...limitOptions,
  ...peerOptions,
  ...stunOptions,
  ...loggingOptions,
  ...tlsOptions,
  ...databaseOptions,
  ...managementOptions,
  ...processOptions,
  ...turnpikeOptions,
];

const byLong = new Map<string, OptionSpec>();
const byShort = new Map<string, OptionSpec>();
for (const option of OPTIONS) {
  // A one-letter name (`-c`, `-n`) has no long form.
  if (option.name.length > 1) byLong.set(option.name, option);
  for (const alias of option.aliases) byLong.set(alias, option);
  if (option.short) byShort.set(option.short, option);
}

/** The option a long name (or coturn alias such as `db`) stands for. */
export function findLongOption(name: string): OptionSpec | undefined {
  return byLong.get(name);
}

/** The option a short letter stands for. */
export function findShortOption(letter: string): OptionSpec | undefined {
  return byShort.get(letter);
}

/** Every long name and alias, for suggestions and completeness checks. */
export function longOptionNames(): string[] {
  return [...byLong.keys()];
}
