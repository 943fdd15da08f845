/**
 * The wording of configuration problems, shared by the file and command-line paths so a
 * user reads the same sentence wherever the mistake is: where, the option, the value, and
 * what would be accepted.
 */

import { didYouMean } from './suggest.ts';

/** Where command-line problems are reported. */
export const COMMAND_LINE = 'command line';

/** What is wrong with one configuration item; `unsupported` stops start-up with its own code. */
export interface Problem {
  kind: 'invalid' | 'unsupported';
  text: string;
}

/** An option name nobody knows, with near misses. */
export function unknownOption(where: string, spelled: string, near: readonly string[]): Problem {
  return { kind: 'invalid', text: `${where}: option '${spelled}' is unknown${didYouMean(near)}` };
}

/** A value that does not fit. */
export function badValue(where: string, spelled: string, value: string, expected: string): Problem {
  return { kind: 'invalid', text: `${where}: option '${spelled}' has value '${value}': expected ${expected}` };
}

/** A value that is missing. */
export function missingValue(where: string, spelled: string, expected: string): Problem {
  return { kind: 'invalid', text: `${where}: option '${spelled}' needs a value: expected ${expected}` };
}

/** Anything else about one place. */
export function invalid(where: string, text: string): Problem {
  return { kind: 'invalid', text: `${where}: ${text}` };
}

/** A coturn option Turnpike refuses; the note says why and what to do instead. */
export function unsupported(where: string, spelled: string, note: string | undefined): Problem {
  return { kind: 'unsupported', text: `${where}: option '${spelled}' is not supported${note ? ` — ${note}` : ''}` };
}
