/**
 * The syntax of `turnserver.conf`: one option a line as `name=value`, `name value`,
 * `name = value` or a bare flag, an optional leading `--`, `#` comments, values optionally
 * in double quotes. Pure text in, entries out; the option table gives them meaning later.
 */

import type { ConfigEntry } from './types.ts';

/**
 * Splits a configuration file into entries, each tagged `fileName:line`. Never throws:
 * lines that cannot be read are reported in `problems`, one message each.
 */
export function parseConfigFile(text: string, fileName: string): { entries: ConfigEntry[]; problems: string[] } {
  const entries: ConfigEntry[] = [];
  const problems: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((rawLine, index) => {
    const where = `${fileName}:${index + 1}`;
    const line = stripComment(rawLine.replace(/\r$/, '').trim()).trimEnd();
    if (line === '') return;
    const parsed = parseLine(line);
    if (typeof parsed === 'string') problems.push(`${where}: ${parsed}`);
    else entries.push({ ...parsed, where, spelled: parsed.name });
  });
  return { entries, problems };
}

/** Drops a `#` comment: a whole line, or from a `#` after whitespace outside double quotes. */
function stripComment(line: string): string {
  if (line.startsWith('#')) return '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === '#' && !quoted && (line[i - 1] === ' ' || line[i - 1] === '\t')) return line.slice(0, i);
  }
  return line;
}

/** One non-empty line into name and value, or the reason it cannot be read. */
function parseLine(line: string): { name: string; value: string | undefined } | string {
  const body = line.startsWith('--') ? line.slice(2) : line;
  // coturn ends the name at the first blank or '=' and skips any run of them.
  const match = /^([^ \t=]*)(?:[ \t=]+(.*))?$/.exec(body);
  const name = match?.[1] ?? '';
  if (name === '') return `cannot read '${line}': expected 'name=value', 'name value' or a bare 'name'`;
  const rest = match?.[2];
  if (rest === undefined) return { name, value: undefined };
  if (!rest.startsWith('"')) return { name, value: rest };
  if (rest.length < 2 || !rest.endsWith('"')) return `option '${name}' has an unterminated quoted value: ${rest}`;
  return { name, value: rest.slice(1, -1) };
}
