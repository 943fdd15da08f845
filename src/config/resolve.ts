/**
 * Applies option entries, in order, to a configuration: each entry is looked up in the
 * option table, its value checked, and its Turnpike status honoured (stored, warned
 * about, or reported as unsupported or removed). Later single-valued options override
 * earlier ones; repeatable ones add up, as coturn does.
 */

import { OptionStatus, type ApplyTarget, type OptionSpec } from './option-spec.ts';
import { findLongOption, longOptionNames } from './options.ts';
import { badValue, invalid, missingValue, unknownOption, unsupported, type Problem } from './messages.ts';
import { nearNames } from './suggest.ts';
import type { ConfigEntry, ConfigWarning } from './types.ts';

/** Everything gathered while options are applied. */
export interface ResolveState {
  target: ApplyTarget;
  problems: Problem[];
  warnings: ConfigWarning[];
  /** option name → where it was last given, to place cross-option messages */
  seen: Map<string, string>;
  /** options whose value was refused, so cross-option checks do not pile on */
  failed: Set<string>;
}

/** Applies entries read from a file (`fromFile`) or from the command line. */
export function applyEntries(entries: readonly ConfigEntry[], state: ResolveState, fromFile: boolean): void {
  for (const entry of entries) {
    const spec = findLongOption(entry.name);
    if (!spec) {
      state.problems.push(unknownOption(entry.where, entry.spelled, nearNames(entry.name, longOptionNames())));
    } else if (spec.cliOnly && fromFile) {
      state.problems.push(invalid(entry.where, `option '${entry.spelled}' only works on the command line`));
    } else {
      applyOne(spec, entry, state, fromFile);
    }
  }
}

function applyOne(spec: OptionSpec, entry: ConfigEntry, state: ResolveState, fromFile: boolean): void {
  const { where, spelled, value } = entry;
  if (spec.status === OptionStatus.Removed) {
    state.problems.push(invalid(where, `option '${spelled}' was ${spec.note}`));
    return;
  }
  if (spec.status === OptionStatus.Unsupported) {
    state.problems.push(unsupported(where, spelled, spec.note));
    return;
  }
  const expected = spec.apply(state.target, value);
  if (expected !== undefined) {
    state.failed.add(spec.name);
    const hint = fromFile && value?.endsWith(';') ? " (lines need no ';' at the end)" : '';
    state.problems.push(
      value === undefined || value === ''
        ? missingValue(where, spelled, expected)
        : badValue(where, spelled, spec.secret ? redact(value) : value, expected + hint),
    );
    return;
  }
  state.seen.set(spec.name, where);
  if (spec.status === OptionStatus.Warn) {
    state.warnings.push({ where, option: spec.name, message: `option '${spelled}' ${spec.note ?? 'is ignored'}` });
  }
  if (fromFile && value?.endsWith(';')) {
    state.warnings.push({
      where, option: spec.name,
      message: `the value of '${spelled}' ends with ';', which is kept as part of it: lines need no ';' at the end`,
    });
  }
}

/** Hides a secret value in messages; for `user`, the name before the colon stays readable. */
function redact(value: string): string {
  const colon = value.indexOf(':');
  return colon > 0 ? `${value.slice(0, colon)}:***` : '***';
}
