/**
 * The two servers under test, started from one coturn command line: Debian's coturn
 * (`turnserver`) with ONE relay thread (`-m 1`), and Turnpike's `turnpike turnserver` given the
 * same options plus the two Turnpike-only ones that make it behave as coturn does here
 * (`--rfc5766-channel-numbers`: turnutils_uclient binds channels up to 0x7FFF, RFC 5766 §11;
 * `--unauthenticated-rate-limit=0`: every bench client shares 127.0.0.1, and coturn has no
 * such per-IP budget). Also coturn's UDP echo peer, `turnutils_peer`.
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTracked, type TrackedChild } from './children.ts';

/** Which server. */
export type ServerKind = 'coturn' | 'turnpike';

/** Where Debian installs coturn and its utilities. */
export const COTURN_BINARY = '/usr/bin/turnserver';
export const UCLIENT_BINARY = '/usr/bin/turnutils_uclient';
export const PEER_BINARY = '/usr/bin/turnutils_peer';

/** True when coturn, turnutils_uclient and turnutils_peer are all installed. */
export function coturnInstalled(): boolean {
  return existsSync(COTURN_BINARY) && existsSync(UCLIENT_BINARY) && existsSync(PEER_BINARY);
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

/** A running server. */
export interface BenchServer {
  readonly kind: ServerKind;
  readonly pid: number;
  readonly child: TrackedChild;
  stop(): Promise<void>;
}

const TURNPIKE_ENTRY = fileURLToPath(new URL('../../bin/turnpike.js', import.meta.url));

/** The coturn command line shared by both servers (loopback only, one relay thread). */
export function commonArgs(s: ServerSetup, pidFile: string): string[] {
  return [
    '-n', '-m', '1', '--no-cli', '--no-tls', '--no-dtls',
    '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${s.port}`,
    `--min-port=${s.minPort}`, `--max-port=${s.maxPort}`, '--allow-loopback-peers',
    '-a', '-u', `${s.user}:${s.password}`, '-r', s.realm,
    '--log-file=stdout', '--simple-log', `--pidfile=${pidFile}`,
  ];
}

/** Turnpike-only options that make it take coturn's load generator as coturn does (see above). */
export const TURNPIKE_EXTRA_ARGS = ['--rfc5766-channel-numbers', '--unauthenticated-rate-limit=0'];

/** The executable and arguments for one server; `nodeArgs` go to Node before Turnpike's entry. */
export function serverCommand(kind: ServerKind, s: ServerSetup, pidFile: string, nodeArgs: string[] = []): { command: string; args: string[] } {
  if (kind === 'coturn') return { command: COTURN_BINARY, args: commonArgs(s, pidFile) };
  return { command: process.execPath, args: [...nodeArgs, TURNPIKE_ENTRY, 'turnserver', ...commonArgs(s, pidFile), ...TURNPIKE_EXTRA_ARGS] };
}

/** Starts a server and resolves once it answers a STUN Binding request (RFC 8489 §6). */
export async function startServer(kind: ServerKind, s: ServerSetup, nodeArgs: string[] = []): Promise<BenchServer> {
  const pidFile = path.join(tmpdir(), `turnpike-bench-${kind}-${s.port}.pid`);
  const { command, args } = serverCommand(kind, s, pidFile, nodeArgs);
  const child = spawnTracked(command, args);
  try {
    await untilAnswers(s.port, 10_000, child);
  } catch (err) {
    await child.stop();
    rmSync(pidFile, { force: true });
    throw err;
  }
  const stop = async (): Promise<void> => {
    await child.stop();
    rmSync(pidFile, { force: true });
  };
  return { kind, pid: child.pid, child, stop };
}

/** Starts `turnutils_peer` on a port and resolves once it echoes a datagram. */
export async function startPeer(port: number): Promise<TrackedChild> {
  const child = spawnTracked(PEER_BINARY, ['-p', String(port), '-L', '127.0.0.1']);
  try {
    await untilAnswers(port, 10_000, child, Buffer.from('ping'));
  } catch (err) {
    await child.stop();
    throw err;
  }
  return child;
}

/** RFC 8489 §5: a Binding request is type 0x0001, length 0, the magic cookie and a 96-bit id. */
function bindingRequest(): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(0x0001, 0);
  b.writeUInt32BE(0x2112a442, 4);
  randomBytes(12).copy(b, 8);
  return b;
}

/** Sends `probe` (a Binding request by default) every 100 ms until anything comes back. */
function untilAnswers(port: number, limitMs: number, child: TrackedChild, probe: Buffer = bindingRequest()): Promise<void> {
  const socket = dgram.createSocket('udp4');
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearInterval(ticker);
      clearTimeout(deadline);
      socket.close();
      if (err) reject(err);
      else resolve();
    };
    void child.exited.then((code) => finish(new Error(`process exited (${code}) before answering on 127.0.0.1:${port}:\n${child.output()}`)));
    socket.on('message', () => finish());
    // ICMP port unreachable while the server starts: keep asking.
    socket.on('error', () => {});
    const send = (): void => socket.send(probe, port, '127.0.0.1');
    const ticker = setInterval(send, 100);
    const deadline = setTimeout(() => finish(new Error(`nothing answered on 127.0.0.1:${port} within ${limitMs} ms:\n${child.output()}`)), limitMs);
    socket.bind(0, '127.0.0.1', send);
  });
}
