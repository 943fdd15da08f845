/** Option table rows: the process itself — daemon mode, pid file, user and group, threads. */

import { Area, flag, OptionStatus as S, valued, type OptionSpec } from './option-spec.ts';
import { integer, text } from './values.ts';

const area = Area.Process;
const oneLoop = 'ignored: Turnpike runs one event loop per process; run several processes to use more cores';

/** Process options. */
export const processOptions: readonly OptionSpec[] = [
  flag({
    name: 'daemon', short: 'o', area, meaning: 'detach from the terminal and run in the background',
    status: S.Warn, note: 'ignored: Turnpike runs in the foreground; use a service manager (systemd, Docker) to run it in the background',
  }),
  valued({
    name: 'pidfile', area, type: text('<file>', 'a file path'), default: 'none',
    meaning: 'file to write the process id to (coturn defaults to /var/run/turnserver.pid as root, else /var/tmp/turnserver.pid)',
    status: S.Supported, set: (t, v) => { t.config.pidFile = v; },
  }),
  valued({
    name: 'proc-user', area, type: text('<user>', 'a user name'), meaning: 'user to switch to once the listening and relay sockets are bound',
    status: S.Supported, set: (t, v) => { t.config.procUser = v; },
  }),
  valued({
    name: 'proc-group', area, type: text('<group>', 'a group name'), meaning: 'group to switch to once the listening and relay sockets are bound',
    status: S.Supported, set: (t, v) => { t.config.procGroup = v; },
  }),
  valued({
    name: 'relay-threads', short: 'm', area, type: integer(0, 65535), default: 'the number of CPUs',
    meaning: 'number of relay threads',
    status: S.Supported,
    note: "threads of the native data plane (0: one per CPU, coturn's default; at most 64); the js data plane relays on one",
    set: (t, v) => { t.config.relayThreads = v; },
  }),
  valued({
    name: 'ne', area, type: integer(1, 3), meaning: "coturn's internal network engine type",
    status: S.Warn, note: oneLoop,
  }),
];
