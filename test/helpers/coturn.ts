/**
 * Spawns a TURN server for interop and browser tests: Debian's coturn (`turnserver`), or
 * Turnpike's own `turnpike turnserver` given the very same command line, which is the point
 * of Turnpike (it takes coturn's options unchanged). The server listens on 127.0.0.1 only,
 * relays from 127.0.0.1, and is ready when it answers a STUN Binding request (RFC 8489 §6).
 * Tests must call `stop()`; a process exit hook kills anything left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeRange, freeUdpTcpPort } from './ports.ts';

/** Where Debian installs coturn's server binary. */
export const COTURN_BINARY = '/usr/bin/turnserver';
/** True when coturn is installed, so tests can skip with a clear message otherwise. */
export const coturnAvailable = existsSync(COTURN_BINARY);

/** Which implementation `startTurnServer` runs. */
export type TurnServerKind = 'coturn' | 'turnpike';

/** Options shared by both kinds. */
export interface TurnServerOptions {
  /** `name:password` pairs for `-u` (long-term credentials, RFC 8489 §9.2); default `user:pass` */
  users?: string[];
  /** realm for `-r`; default `turnpike.test` */
  realm?: string;
  /** more coturn options, e.g. `--use-auth-secret`, `--static-auth-secret=S` */
  extraArgs?: string[];
  /** how many relay ports to reserve for `--min-port`..`--max-port`; default 40 */
  relayPorts?: number;
}

/** A running server; `port` serves STUN and TURN over UDP and TCP. */
export interface RunningTurnServer {
  kind: TurnServerKind;
  port: number;
  realm: string;
  minPort: number;
  maxPort: number;
  /** what the server printed so far (for failure messages) */
  output(): string;
  stop(): Promise<void>;
}

/** Starts Debian's coturn on a free loopback port. */
export function startCoturn(opts: TurnServerOptions = {}): Promise<RunningTurnServer> {
  return startTurnServer('coturn', opts);
}

/**
 * Starts `kind` with coturn's command line: `-n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1
 * --listening-port=P --min-port=.. --max-port=.. --allow-loopback-peers -a -u user:pass -r realm`.
 */
export async function startTurnServer(kind: TurnServerKind, opts: TurnServerOptions = {}): Promise<RunningTurnServer> {
  const port = await freeUdpTcpPort();
  const { min, max } = await freeRange(opts.relayPorts ?? 40);
  const realm = opts.realm ?? 'turnpike.test';
  const args = [
    '-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    `--min-port=${min}`, `--max-port=${max}`, '--allow-loopback-peers', '-a',
    ...(opts.users ?? ['user:pass']).flatMap((u) => ['-u', u]),
    '-r', realm,
  ];
  // coturn writes a pid file even in the foreground; keep it out of /var/tmp and remove it after.
  const pidFile = path.join(tmpdir(), `turnpike-test-coturn-${port}.pid`);
  if (kind === 'coturn') {
    args.push('--no-cli', '--no-tls', '--no-dtls', '--log-file=stdout', '--simple-log', `--pidfile=${pidFile}`);
  }
  args.push(...(opts.extraArgs ?? []));
  const [command, prefix] = kind === 'coturn'
    ? [COTURN_BINARY, []]
    : [process.execPath, [fileURLToPath(new URL('../../bin/turnpike.js', import.meta.url)), 'turnserver']];
  const child = spawn(command, [...prefix, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = supervise(child, kind, port, realm, min, max, () => rmSync(pidFile, { force: true }));
  try {
    await waitForBinding(child, port, server.output);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

function supervise(child: ChildProcess, kind: TurnServerKind, port: number, realm: string,
  minPort: number, maxPort: number, cleanUp: () => void): RunningTurnServer {
  let log = '';
  const keep = (chunk: Buffer) => { log = (log + chunk.toString()).slice(-20000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A crashed test must not leave a server holding ports.
  const killOnExit = () => { child.kill('SIGKILL'); };
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    kind, port, realm, minPort, maxPort,
    output: () => log,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      cleanUp();
    },
  };
}

/** RFC 8489 §5: a Binding request is type 0x0001, length 0, magic cookie, 96-bit id. */
function bindingRequest(id: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(0x0001, 0);
  header.writeUInt32BE(0x2112a442, 4);
  id.copy(header, 8);
  return header;
}

/** Resolves once the server answers a Binding request on UDP; rejects if it exits or stays silent 10 s. */
function waitForBinding(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const socket = dgram.createSocket('udp4');
  const id = randomBytes(12);
  return new Promise<void>((resolve, reject) => {
    const finish = (err?: Error) => {
      clearInterval(ticker);
      clearTimeout(deadline);
      child.removeListener('exit', onExit);
      socket.close();
      if (err) reject(err); else resolve();
    };
    const onExit = (code: number | null) =>
      finish(new Error(`TURN server exited (code ${code}) before answering STUN:\n${output()}`));
    child.once('exit', onExit);
    socket.on('message', (msg) => {
      // A success response (0x0101) echoing our transaction id.
      if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(id)) finish();
    });
    socket.on('error', () => { /* ICMP port unreachable while the server starts: keep asking */ });
    const send = () => socket.send(bindingRequest(id), port, '127.0.0.1');
    const ticker = setInterval(send, 100);
    const deadline = setTimeout(
      () => finish(new Error(`TURN server did not answer STUN on 127.0.0.1:${port} within 10 s:\n${output()}`)), 10000);
    socket.bind(0, '127.0.0.1', send);
  });
}
