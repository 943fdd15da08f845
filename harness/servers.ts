/**
 * The one way tests and benchmarks start the programs they talk to, as a user would start
 * them: Debian's coturn (`turnserver` and its `turnutils_*` tools) and Turnpike's own
 * `node bin/turnpike.js <command>`, run with this very Node (`process.execPath`). A TURN server
 * is ready when it answers a STUN Binding request (RFC 8489 §6), a peer when it echoes
 * (ready.ts); every child is killed when this process exits and keeps its output's tail
 * (children.ts); ports come from ports.ts.
 *
 * Why a top-level harness/: test/ and bench/ both launch these processes and must do it the
 * same way, so neither can own the code. It is not product code, so not src/: nothing there
 * spawns coturn or ships a test peer. bench/ never imports from test/, because a benchmark
 * must not change when a test helper does; and putting it in bench/lib would have the
 * interop and browser tests reach into the benchmark's internals for something that has
 * nothing to do with measuring. harness/ imports Node, the dependencies and src/ (the shared
 * wire schemas), never test/ or bench/; both of those import harness/.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, runTool, type Command, type Readiness, type ToolResult, type TrackedChild, type TrackOptions } from './children.ts';
import { answersBinding, echoes } from './ready.ts';

/** Where Debian installs coturn's server and utilities. */
export const COTURN = {
  turnserver: '/usr/bin/turnserver',
  uclient: '/usr/bin/turnutils_uclient',
  peer: '/usr/bin/turnutils_peer',
  stunclient: '/usr/bin/turnutils_stunclient',
  natdiscovery: '/usr/bin/turnutils_natdiscovery',
  admin: '/usr/bin/turnadmin',
  oauth: '/usr/bin/turnutils_oauth',
} as const;

/** One of coturn's programs. */
export type CoturnProgram = keyof typeof COTURN;

/** Why the named coturn programs cannot be run (a skip reason), or false when all are installed. */
export function coturnMissing(...programs: CoturnProgram[]): string | false {
  const missing = programs.filter((p) => !existsSync(COTURN[p])).map((p) => path.basename(COTURN[p]));
  if (missing.length === 0) return false;
  return `coturn's ${missing.join('/')} ${missing.length === 1 ? 'is' : 'are'} not installed (apt-get install coturn)`;
}

/** Turnpike's command-line entry, `bin/turnpike.js`. */
export const TURNPIKE_BIN = fileURLToPath(new URL('../bin/turnpike.js', import.meta.url));

/** `node [nodeArgs] bin/turnpike.js args…` with this very Node. */
export function turnpikeCommand(args: string[], nodeArgs: string[] = []): Command {
  return { command: process.execPath, args: [...nodeArgs, TURNPIKE_BIN, ...args] };
}

/**
 * The environment coturn's programs run in: this one without `LD_PRELOAD`, which the sanitizer
 * run (scripts/native-sanitize.sh) sets for Node and the addon under test, not for coturn.
 */
export function coturnEnv(): NodeJS.ProcessEnv {
  const { LD_PRELOAD: _preload, ...env } = process.env;
  return env;
}

/** One of coturn's programs with `args`. */
export function coturnCommand(program: CoturnProgram, args: string[]): Command {
  return { command: COTURN[program], args, env: coturnEnv() };
}

/** Which implementation of a server or peer. */
export type ServerKind = 'coturn' | 'turnpike';

/**
 * The TURN server of `kind` with coturn's options: `turnserver OPTIONS` or `node [nodeArgs]
 * bin/turnpike.js turnserver OPTIONS` (Turnpike takes coturn's command line unchanged).
 */
export function turnserverCommand(kind: ServerKind, options: string[], nodeArgs: string[] = []): Command {
  return kind === 'coturn' ? coturnCommand('turnserver', options) : turnpikeCommand(['turnserver', ...options], nodeArgs);
}

/** A server or peer started here, ready to serve. */
export interface Launched {
  readonly kind: ServerKind;
  /** the listening port of a server, the echo port of a peer */
  readonly port: number;
  readonly pid: number;
  readonly child: TrackedChild;
  /** the tail of what it printed (for failure messages) */
  output(): string;
  /** SIGTERM (SIGKILL after 3 s); resolves once it has exited and cleaned up */
  stop(): Promise<void>;
}

/** Where and how a TURN server is started. */
export interface TurnServerLaunch extends TrackOptions {
  /** the listening port among the options: the Binding request goes there */
  port: number;
  /** the address the Binding request goes to; default 127.0.0.1 */
  host?: string;
  /** Node options before Turnpike's entry, e.g. `--cpu-prof` (Turnpike only) */
  nodeArgs?: string[];
  /** a `--pidfile` among the options, removed once the server has stopped (coturn leaves it behind) */
  pidFile?: string;
  /** runs the command elsewhere, e.g. in a network namespace (netns.ts: `host.command`) */
  via?: (cmd: Command) => Command;
  /** when it serves; default: it answers a Binding request on host:port from 127.0.0.1 */
  ready?: Readiness;
}

/** Starts a TURN server with coturn's `options` and resolves once it answers a Binding request. */
export async function launchTurnServer(kind: ServerKind, options: string[], how: TurnServerLaunch): Promise<Launched> {
  const removePidFile = (): void => {
    if (how.pidFile !== undefined) rmSync(how.pidFile, { force: true });
  };
  let child: TrackedChild;
  try {
    const command = turnserverCommand(kind, options, how.nodeArgs);
    child = await launch(how.via?.(command) ?? command, how.ready ?? answersBinding(how.port, how.host), how);
  } catch (err) {
    removePidFile();
    throw err;
  }
  return launched(kind, how.port, child, removePidFile);
}

/**
 * Starts a UDP echo peer, `turnutils_peer -p PORT -L ip…` or `node bin/turnpike.js peer -p
 * PORT -L ip…`, and resolves once it echoes on every address.
 */
export async function launchPeer(kind: ServerKind, port: number, hosts: string[] = ['127.0.0.1'], opts: TrackOptions = {}): Promise<Launched> {
  const options = ['-p', String(port), ...hosts.flatMap((h) => ['-L', h])];
  const command = kind === 'coturn' ? coturnCommand('peer', options) : turnpikeCommand(['peer', ...options]);
  return launched(kind, port, await launch(command, echoes(port, hosts), opts));
}

function launched(kind: ServerKind, port: number, child: TrackedChild, cleanUp = (): void => {}): Launched {
  return {
    kind,
    port,
    pid: child.pid,
    child,
    output: () => child.output(),
    async stop() {
      await child.stop();
      cleanUp();
    },
  };
}

/** Runs `node bin/turnpike.js args…` to its end, as a user would. */
export function runTurnpike(args: string[], timeoutMs?: number): Promise<ToolResult> {
  return runTool(turnpikeCommand(args), timeoutMs);
}

/** Runs one of coturn's programs to its end. */
export function runCoturn(program: CoturnProgram, args: string[], timeoutMs?: number): Promise<ToolResult> {
  return runTool(coturnCommand(program, args), timeoutMs);
}
