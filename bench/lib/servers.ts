/**
 * The two servers under test, started from one coturn command line: a coturn `turnserver`
 * (Debian's unless the bench is given another) with the same number of relay threads (`-m`,
 * one by default), and Turnpike's `turnpike turnserver` given the same options plus the
 * Turnpike-only ones that make it behave as coturn does here (`--rfc5766-channel-numbers`:
 * turnutils_uclient binds channels up to 0x7FFF, RFC 5766 §11; `--unauthenticated-rate-limit=0`:
 * every bench client shares 127.0.0.1, and coturn has no such per-IP budget) and, when asked,
 * its data plane (`--data-plane=native|js`). A newer coturn gets the shared line worded as it
 * wants it (coturn-binary.ts). Also coturn's UDP echo peer, `turnutils_peer`.
 *
 * The commands come from harness/servers.ts and are launched by harness/children.ts, as the
 * tests launch theirs; the bench only adds what harness's `launchTurnServer` cannot express: a
 * coturn binary at another path, and `taskset -c` in front of a server pinned to some CPUs.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launch, type Command, type TrackOptions } from '../../harness/children.ts';
import { answersBinding } from '../../harness/ready.ts';
import { COTURN, coturnMissing, launchPeer, turnserverCommand, type Launched, type ServerKind } from '../../harness/servers.ts';
import type { Adaptation } from './coturn-binary.ts';

/** True when turnutils_uclient, turnutils_peer and the coturn `turnserver` at `coturnPath` are all installed. */
export function coturnInstalled(coturnPath: string = COTURN.turnserver): boolean {
  if (coturnMissing('uclient', 'peer') !== false) return false;
  return coturnPath === COTURN.turnserver ? coturnMissing('turnserver') === false : true;
}

/** What both servers are started with. */
export interface ServerSetup {
  port: number;
  minPort: number;
  maxPort: number;
  realm: string;
  user: string;
  password: string;
}

/** Turnpike's data planes (`--data-plane`). */
export type DataPlaneKind = 'native' | 'js';

/** Which servers run and how, beyond the setup they share. */
export interface ServerChoice {
  /** the coturn turnserver, and how its command line differs from the shared one */
  coturn: { path: string; adaptations: Adaptation[] };
  /** Turnpike's `--data-plane=…`; undefined leaves Turnpike's default */
  dataPlane: DataPlaneKind | undefined;
  /** `-m` of both servers */
  relayThreads: number;
  /** `taskset -c LIST` for both servers; undefined leaves them unpinned */
  serverCpus: string | undefined;
}

/** Debian's coturn, one relay thread, Turnpike's default data plane, nothing pinned. */
export const DEFAULT_CHOICE: ServerChoice = {
  coturn: { path: COTURN.turnserver, adaptations: [] },
  dataPlane: undefined,
  relayThreads: 1,
  serverCpus: undefined,
};

/** The coturn command line shared by both servers (loopback only, `relayThreads` relay threads). */
export function commonArgs(s: ServerSetup, pidFile: string, relayThreads = 1): string[] {
  return [
    '-n', '-m', String(relayThreads), '--no-cli', '--no-tls', '--no-dtls',
    '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${s.port}`,
    `--min-port=${s.minPort}`, `--max-port=${s.maxPort}`, '--allow-loopback-peers',
    '-a', '-u', `${s.user}:${s.password}`, '-r', s.realm,
    '--log-file=stdout', '--simple-log', `--pidfile=${pidFile}`,
  ];
}

/** Turnpike-only options that make it take coturn's load generator as coturn does (see above). */
export const TURNPIKE_EXTRA_ARGS = ['--rfc5766-channel-numbers', '--unauthenticated-rate-limit=0'];

/** The options one server is started with. */
export function serverOptions(kind: ServerKind, s: ServerSetup, pidFile: string, choice: ServerChoice = DEFAULT_CHOICE): string[] {
  const shared = commonArgs(s, pidFile, choice.relayThreads);
  if (kind === 'coturn') {
    const { adaptations } = choice.coturn;
    const omitted = new Set(adaptations.filter((a) => a.action === 'omit').map((a) => a.option));
    return [...shared.filter((a) => !omitted.has(a)), ...adaptations.filter((a) => a.action === 'add').map((a) => a.option)];
  }
  return [...shared, ...TURNPIKE_EXTRA_ARGS, ...(choice.dataPlane === undefined ? [] : [`--data-plane=${choice.dataPlane}`])];
}

/** `command` run on `cpus` only (`taskset -c CPUS command…`; taskset execs it, so the pid is the server's). */
export function pinned(command: Command, cpus: string | undefined): Command {
  return cpus === undefined ? command : { command: 'taskset', args: ['-c', cpus, command.command, ...command.args] };
}

/** The executable and arguments for one server; `nodeArgs` go to Node before Turnpike's entry. */
export function serverCommand(kind: ServerKind, s: ServerSetup, pidFile: string, choice: ServerChoice = DEFAULT_CHOICE, nodeArgs: string[] = []): Command {
  const options = serverOptions(kind, s, pidFile, choice);
  const command = kind === 'coturn' ? { command: choice.coturn.path, args: options } : turnserverCommand('turnpike', options, nodeArgs);
  return pinned(command, choice.serverCpus);
}

/** How a server is launched beyond its command line. */
export interface StartOptions {
  /** Node options before Turnpike's entry, e.g. `--cpu-prof` (Turnpike only) */
  nodeArgs?: string[];
  /** sees each line the server prints */
  onLine?: TrackOptions['onLine'];
}

/** Starts a server and resolves once it answers a STUN Binding request (RFC 8489 §6). */
export async function startServer(kind: ServerKind, s: ServerSetup, choice: ServerChoice = DEFAULT_CHOICE, opts: StartOptions = {}): Promise<Launched> {
  const pidFile = path.join(tmpdir(), `turnpike-bench-${kind}-${s.port}.pid`);
  // coturn leaves its pid file behind.
  const removePidFile = (): void => rmSync(pidFile, { force: true });
  let child: Launched['child'];
  try {
    child = await launch(serverCommand(kind, s, pidFile, choice, opts.nodeArgs), answersBinding(s.port), { onLine: opts.onLine });
  } catch (err) {
    removePidFile();
    throw err;
  }
  return {
    kind,
    port: s.port,
    pid: child.pid,
    child,
    output: () => child.output(),
    async stop() {
      await child.stop();
      removePidFile();
    },
  };
}

/** Starts `turnutils_peer -p PORT -L 127.0.0.1` and resolves once it echoes a datagram. */
export function startPeer(port: number): Promise<Launched> {
  return launchPeer('coturn', port);
}
