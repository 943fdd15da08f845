/** Option table rows: where logs go and how much they say. */

import { Area, flag, OptionStatus as S, valued, type OptionSpec } from './option-spec.ts';
import { logFile, logMinLevel, text } from './values.ts';

const area = Area.Logging;
const timestampNote = 'ignored: timestamps follow the log format chosen with log-format';

/** Logging options. */
export const loggingOptions: readonly OptionSpec[] = [
  valued({
    name: 'log-file', short: 'l', area, type: logFile, default: 'none',
    meaning: "log file path; 'stdout' or '-' for standard output, 'syslog' for the system log (coturn otherwise picks a file in /var/log, /var/tmp or /tmp)",
    status: S.Supported, set: (t, v) => { t.config.log.file = v; },
  }),
  flag({
    name: 'simple-log', area,
    meaning: 'use the log file name as given, without date and pid, and never roll it over',
    status: S.Supported, set: (t, v) => { t.config.log.simpleLog = v; },
  }),
  flag({
    name: 'no-stdout-log', area,
    meaning: 'log only to the log file, not also to standard output',
    status: S.Supported, set: (t, v) => { t.config.log.noStdoutLog = v; },
  }),
  flag({
    name: 'syslog', area,
    meaning: 'send every log line to the system log',
    status: S.Supported, note: "same as log-file=syslog, whatever the order of the two",
    set: (t, v) => { t.syslog = v; },
  }),
  flag({
    name: 'verbose', short: 'v', area,
    meaning: 'moderately verbose logs',
    status: S.Supported,
    set: (t, v) => {
      // As in coturn, -v neither lowers nor cancels -V.
      if (t.config.log.verbose !== 2) t.config.log.verbose = v ? 1 : 0;
    },
  }),
  flag({
    name: 'Verbose', short: 'V', area,
    meaning: 'very verbose logs, for debugging',
    status: S.Supported,
    set: (t, v) => {
      if (v) t.config.log.verbose = 2;
    },
  }),
  valued({
    name: 'log-min-level', area, type: logMinLevel, default: 'debug (everything the verbosity allows)',
    meaning: 'leave out log lines below this level: debug, info, warning or error (coturn 4.7+)',
    status: S.Supported,
    note: "whatever the order: 'info', 'warning' and 'error' cancel -v and -V; 'warning' and 'error' still let Turnpike's info lines through, with a start-up warning",
    set: (t, v) => { t.logMinLevel = v; },
  }),
  valued({
    name: 'syslog-facility', area, type: text('<facility>', 'a syslog facility name'), default: 'none',
    meaning: 'syslog facility, such as LOG_LOCAL1',
    status: S.Warn, note: 'ignored: system log lines use the default facility',
  }),
  flag({
    name: 'new-log-timestamp', area,
    meaning: 'full ISO-8601 timestamps in logs',
    status: S.Warn, note: timestampNote,
  }),
  valued({
    name: 'new-log-timestamp-format', area, type: text('<format>', 'a strftime format'),
    meaning: 'strftime(3) format of log timestamps',
    status: S.Warn, note: timestampNote,
  }),
  flag({
    name: 'log-binding', area,
    meaning: 'log every STUN Binding request (off by default against floods)',
    status: S.Warn, note: 'ignored: Binding requests are not logged one by one',
  }),
];
