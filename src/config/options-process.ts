/** Option table rows: the process itself — daemon mode, pid file, user and group, threads. */

import { Area, flag, OptionStatus as S, valued, type OptionSpec } from './option-spec.ts';
import { integer, text } from './values.ts';

const area = Area.Process;
const batchLog = 'ignored: the native data plane counts its batches in the turnpike_dataplane_* metrics (prometheus)';
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
    name: 'cpus', area, type: integer(1, 65535), default: 'the CPUs the system reports',
    meaning: 'the CPU count to assume, for containers that see the host\'s (coturn 4.7+)',
    status: S.Supported, note: 'becomes the number of relay threads, whatever the order, unless relay-threads is given',
    set: (t, v) => { t.cpus = v; },
  }),
  valued({
    name: 'drain-min-allocations', area, type: integer(0, 2 ** 31 - 1), default: '0',
    meaning: 'in drain mode (SIGUSR1), stop once this few allocations are left (coturn 4.7+)',
    status: S.Warn, note: 'ignored: Turnpike has no drain mode (SIGUSR1); take the server out of the load balancer before stopping it',
  }),
  flag({
    name: 'udp-recvmmsg', area, default: 'on (native data plane)',
    meaning: 'receive UDP in batches with recvmmsg (Linux; coturn 4.7+)',
    status: S.Supported, note: "always so in the native data plane (the default where it is built); the js plane receives one datagram at a time; 'udp-recvmmsg=off' changes nothing",
  }),
  flag({
    name: 'udp-gso', area, default: 'on (native data plane)',
    meaning: 'send batches of equal-sized UDP datagrams with one GSO system call (Linux; coturn 4.7+)',
    status: S.Supported, note: "always so in the native data plane, which also batches with sendmmsg; 'udp-gso=off' changes nothing",
  }),
  flag({
    name: 'udp-recvmmsg-log', area, meaning: 'log recvmmsg batch sizes every 10 seconds (coturn 4.7+)',
    status: S.Warn, note: batchLog,
  }),
  flag({
    name: 'udp-sendmmsg-log', area, meaning: 'log sendmmsg and GSO batch sizes every 10 seconds (coturn 4.7+)',
    status: S.Warn, note: batchLog,
  }),
  valued({
    name: 'ne', area, type: integer(1, 3), meaning: "coturn's internal network engine type",
    status: S.Warn, note: oneLoop,
  }),
];
