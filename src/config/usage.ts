/** The `--help` text of the TURN server, generated from the option table. */

import { Area, ArgMode, OptionStatus, type OptionSpec } from './option-spec.ts';
import { OPTIONS } from './options.ts';

/** How an option is written on the command line: `-p, --listening-port <port>`, `--stale-nonce[=<seconds>]`. */
export function optionSynopsis(option: OptionSpec): string {
  if (option.name.length === 1) return `-${option.short}${option.hint ? ` ${option.hint}` : ''}`;
  const short = option.short ? `-${option.short}, ` : '    ';
  const value =
    option.arg === ArgMode.Required ? ` ${option.hint}` : option.arg === ArgMode.Optional ? `[=${option.hint}]` : '';
  return `${short}--${option.name}${value}`;
}

const STATUS_MARK: Record<OptionStatus, string> = {
  [OptionStatus.Supported]: '',
  [OptionStatus.Warn]: ' [accepted, ignored]',
  [OptionStatus.Unsupported]: ' [not supported]',
  [OptionStatus.Removed]: ' [removed from coturn]',
};

/**
 * The option list printed by `-h`/`--help`: every option with its short form, value,
 * meaning, default and, when it is not simply supported, Turnpike's status.
 */
export function turnserverUsage(program = 'turnserver'): string {
  const lines = [`Usage: ${program} [-n | -c <file>] [options]`, ''];
  for (const area of Object.values(Area)) {
    const options = OPTIONS.filter((o) => o.area === area);
    if (options.length === 0) continue;
    lines.push(`${area}:`);
    for (const option of options) {
      const left = `  ${optionSynopsis(option)}`;
      const dflt = option.arg === ArgMode.None || ['none', 'off'].includes(option.defaultText) ? '' : ` (default ${option.defaultText})`;
      const right = `${option.meaning}${dflt}${STATUS_MARK[option.status]}`;
      lines.push(left.length < 44 ? left.padEnd(44) + right : `${left}\n${' '.repeat(44)}${right}`);
    }
    lines.push('');
  }
  lines.push('Options take the same names in turnserver.conf: name=value, or a bare name for a flag.');
  return lines.join('\n') + '\n';
}
