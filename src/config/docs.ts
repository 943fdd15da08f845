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

Turnpike's STUN/TURN server takes the \`turnserver.conf\` files and \`turnserver\` command
lines of coturn 4.6 and of coturn 4.7 to 4.17 unchanged: the same option names, short letters,
file syntax and precedence. Every option of either generation is listed below with what
Turnpike does with it:

- **supported**: takes effect (a few, such as \`stateless-nonce\`, describe what Turnpike always does).
- **warn**: accepted; start-up goes on and prints a warning saying what Turnpike does instead.
- **unsupported**: start-up stops with \`<file>:<line>: option '<name>' is not supported — <why>\`
  (or \`command line: …\`). Four options only: \`listening-device\` and \`relay-device\`
  (Turnpike cannot bind a socket to a device), \`mongo-userdb\` (no MongoDB backend), and
  \`server-relay\` (it would switch permission checks off).
- **removed**: coturn itself no longer has the option; start-up stops and says why.

Options marked *Turnpike only* do not exist in coturn.
`;

const GENERATIONS = `## coturn 4.6 and coturn 4.7+ options

coturn 4.7 to 4.17 turned several switches around; Turnpike accepts both spellings, and a
file that mixes them means what it means to coturn 4.17, the version that accepts both:

- \`rfc5780\` turns RFC 5780 NAT behaviour discovery on. It is off unless given (coturn 4.6
  had it on); \`no-rfc5780\` changes nothing and does not cancel \`rfc5780\`, whatever the order.
- \`software-attribute\` and \`no-software-attribute\` (alias \`prod\`): the last one given counts.
  Without either, Turnpike sends SOFTWARE, as coturn 4.6 did (coturn 4.7+ does not).
- \`stun-backward-compatibility\`, \`rfc3489-compatibility\` and \`no-stun-backward-compatibility\`
  set one switch (MAPPED-ADDRESS in Binding responses and answers to RFC 3489 requests): the last
  one given counts; without any, it is on, as in coturn 4.6.
- \`dtls\` and \`no-dtls\`: the last one given counts. Without either, DTLS runs when \`cert\` and
  \`pkey\` are set, as in coturn 4.6 (coturn 4.7+ needs \`dtls\`).
- \`cli\` is accepted with a warning and \`no-cli\` silently: Turnpike has no telnet CLI.
- \`tlsv1\` and \`tlsv1_1\` are accepted with a warning: Node.js offers TLS 1.2 and 1.3 only,
  which is what \`no-tlsv1\` and \`no-tlsv1_1\` asked for.
- \`log-min-level\`, \`cpus\` and \`unauthorized-ratelimit\`/\`unauthorized-ratelimit-rps\` act
  whatever their place: \`log-min-level=info\` (or higher) cancels \`-v\`/\`-V\`; \`cpus\` is the
  default of \`relay-threads\`; the rate-limit options set \`unauthenticated-rate-limit\`.

## Short-term credentials

coturn 4.2 and older had \`st-cred-mech\`, the short-term credential mechanism (RFC 8489 §9.1),
and examples named \`shorttermsecure\`. coturn removed it in 2015, and WebRTC clients only
use the long-term mechanism (RFC 8489 §9.2), so start-up stops on \`st-cred-mech\` and says
what to use instead: \`lt-cred-mech\` with \`user=NAME:PASSWORD\` lines or a user database, or
\`use-auth-secret\` with \`static-auth-secret=SECRET\` for time-limited REST API credentials.
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
  \`static-auth-secret\`, \`allowed-peer-ip\`, \`denied-peer-ip\`, \`api-key\`, \`aux-server\` and
  the \`*alternate-server\` options) add up; for the others the last occurrence wins.
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
  \`prometheus-tls\` has no certificate (\`prometheus-cert\`/\`prometheus-key\`, or \`cert\`/\`pkey\`);
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
  const sections = [INTRO, SYNTAX, COMMAND_LINE, CHECKS, GENERATIONS, '## Options\n'];
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
