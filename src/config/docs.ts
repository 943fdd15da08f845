/**
 * docs/configuration.md, rendered from the option table so the reference can never drift
 * from what the parser accepts. `scripts/gen-config-docs.ts` writes it; a test compares.
 */

import { Area, ArgMode, OptionStatus, type OptionSpec } from './option-spec.ts';
import { OPTIONS } from './options.ts';
import { DEFAULT_CONFIG_PATHS, CONFIG_ENV } from './load.ts';
import { USER_DATABASES } from './docs-databases.ts';

const STATUS_TEXT: Record<OptionStatus, string> = {
  [OptionStatus.Supported]: 'supported',
  [OptionStatus.Warn]: 'warn',
  [OptionStatus.Unsupported]: 'unsupported',
  [OptionStatus.Removed]: 'removed',
};

const INTRO = `# Configuration

<!-- Generated from the option table (src/config/options*.ts) by \`node scripts/gen-config-docs.ts\`. Do not edit by hand. -->

Turnpike's STUN/TURN server takes coturn 4.6's \`turnserver.conf\` and \`turnserver\` command
lines unchanged: the same option names, short letters, file syntax and precedence. Every
coturn option is listed below with what Turnpike does with it:

- **supported**: takes effect.
- **warn**: accepted; start-up goes on and prints a warning saying what Turnpike does instead.
- **unsupported**: start-up stops with \`<file>:<line>: option '<name>' is not supported yet\`
  (or \`command line: …\`). These come in later releases.
- **removed**: coturn itself no longer has the option; start-up stops and says why.

Options marked *Turnpike only* do not exist in coturn.
`;

const SYNTAX = `## File syntax

- One option a line: \`name=value\`, \`name value\` or \`name = value\`; a flag is its bare
  name (\`fingerprint\`). Names are case-sensitive (\`verbose\` and \`Verbose\` differ).
- A leading \`--\` is allowed (\`--min-port=10000\`), so command-line options can be pasted in.
- \`#\` starts a comment: a whole line, or the rest of a line after a blank (\`realm=a # note\`).
  A \`#\` inside a value, as in \`user=bob:pa#ss\`, is part of the value.
- A value may be quoted: \`cipher-list="DEFAULT"\`; the quotes are removed.
- Flags accept \`on/off\`, \`yes/no\`, \`true/false\` or \`1/0\`: \`no-tcp-relay=off\`.
- Options that may repeat (\`user\`, \`listening-ip\`, \`relay-ip\`, \`external-ip\`,
  \`static-auth-secret\`, \`allowed-peer-ip\`, \`denied-peer-ip\`, \`api-key\`) add up; for
  the others the last occurrence wins.
- Lines need no \`;\` at the end; a value ending in \`;\` keeps it, and start-up warns.
`;

const COMMAND_LINE = `## Command line

- Long options: \`--name=value\` or \`--name value\`; flags: \`--name\` or \`--name=off\`.
  Options whose value is optional (\`--stale-nonce\`, the lifetimes) take one only as
  \`--name=value\`, as with coturn: \`--stale-nonce 300\` is refused rather than misread.
- Short options: \`-p 3478\` or \`-p3478\`; flags bundle: \`-afv\` = \`-a -f -v\`, and the last
  letter of a bundle may take a value: \`-afp 3478\`. A short option never takes \`=\`.
- \`--\` ends the options; a stray word is an error.
- Long names must be spelled out in full (coturn's getopt would accept a unique prefix,
  Turnpike refuses it and suggests the full name).
- \`-h\` or \`--help\` prints the option list; \`--version\` prints the version.

## Which file is read, and precedence

1. \`-n\`: no file at all, only the command line (\`-c\` is then ignored, with a warning).
2. \`-c FILE\`: that file; it must exist. A relative name is looked for in the current
   directory, then in \`etc/\`, \`../etc/\`, \`/etc/\`, \`/etc/coturn/\` and \`/usr/local/etc/\`.
3. Otherwise the \`${CONFIG_ENV}\` environment variable, if set, names the file (*Turnpike only*).
4. Otherwise the first that exists of ${DEFAULT_CONFIG_PATHS.map((p) => `\`${p}\``).join(', ')};
   if none does, start-up warns and goes on with the command line and defaults.

The file is read first, then the command line: a command-line option overrides the file's
value of a single-valued option and adds to a repeatable one.
`;

const CHECKS = `## Start-up checks

Start-up stops, listing every problem at once with its file and line, when:

- an option is unknown (with a *did you mean* for near misses), has a value that does not
  fit (the message says what is expected), or lacks its value;
- an option is unsupported or removed (see the tables);
- \`min-port\` is greater than \`max-port\`; \`no-auth\` is combined with \`lt-cred-mech\` or
  \`use-auth-secret\`; \`use-auth-secret\` has neither a \`static-auth-secret\` nor a user database; \`bps-capacity\` is set
  without \`max-bps\`; \`no-udp-relay\` and \`no-tcp-relay\` are both set; \`stun-only\` and
  \`no-stun\` are both set; \`external-ip\` is given twice without \`/PRIVATE\`;
- **the server would be an open relay.** Unless \`no-auth\` or \`stun-only\` is given, there
  must be credentials: at least one \`user\` (\`lt-cred-mech\` is then implied, as in coturn),
  \`use-auth-secret\` with at least one \`static-auth-secret\`, or a user database (see
  [User databases](#user-databases)). coturn starts without any; Turnpike refuses and lists
  the ways to fix it.

Start-up warns, and goes on, for options marked *warn*, for \`user\` accounts that another
setting makes ignored, for a missing \`realm\` with credentials, for \`allow-loopback-peers\`
and for \`no-auth\`.
`;

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function code(text: string): string {
  return text ? `\`${cell(text)}\`` : '';
}

function valueColumn(option: OptionSpec): string {
  if (option.arg === ArgMode.None) return '';
  if (option.arg === ArgMode.Bool) return 'flag';
  return option.arg === ArgMode.Optional ? `${code(option.hint)} (optional)` : code(option.hint);
}

function nameColumn(option: OptionSpec): string {
  if (option.name.length === 1) return code(`-${option.short}`);
  return [option.name, ...option.aliases].map((n) => code(`--${n}`)).join(', ');
}

function row(option: OptionSpec): string {
  const notes = [option.turnpikeOnly ? '*Turnpike only.*' : '', option.repeatable ? 'Repeatable.' : '', option.note ? `${option.note[0].toUpperCase()}${option.note.slice(1)}.` : '']
    .filter(Boolean)
    .join(' ');
  const short = option.short && option.name.length > 1 ? code(`-${option.short}`) : '';
  return `| ${nameColumn(option)} | ${short} | ${valueColumn(option)} | ${cell(option.defaultText)} | ${STATUS_TEXT[option.status]} | ${cell(option.meaning)} | ${cell(notes)} |`;
}

/** The whole of docs/configuration.md. */
export function renderConfigurationDoc(): string {
  const sections = [INTRO, SYNTAX, COMMAND_LINE, CHECKS, '## Options\n'];
  for (const area of Object.values(Area)) {
    const options = OPTIONS.filter((o) => o.area === area);
    if (options.length === 0) continue;
    sections.push(
      [
        `### ${area}`,
        '',
        '| Option | Short | Value | Default | Turnpike | Meaning | Notes |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        ...options.map(row),
        '',
      ].join('\n'),
    );
  }
  sections.push(USER_DATABASES);
  return sections.join('\n');
}
