/**
 * Child processes for the interop tests: Turnpike's `turnserver` started exactly as a user
 * would start it, coturn's `turnutils_*` tools, and `turnpike uclient`/`stunclient`. Every
 * long-running child is killed by `stop()` (tests call it from `after`), and by a process
 * exit hook if a test crashes first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Method, MessageClass } from '../../src/stun/types.ts';
import { newTransactionId, UdpTransactions } from '../../src/client/transactions.ts';
import { freeRange, freeUdpPort, freeUdpTcpPort } from '../helpers/ports.ts';

/** Where Debian installs coturn's utilities. */
export const TURNUTILS = {
  uclient: '/usr/bin/turnutils_uclient',
  peer: '/usr/bin/turnutils_peer',
  stunclient: '/usr/bin/turnutils_stunclient',
} as const;

/** Why coturn's utilities cannot be used, or false when they are installed. */
export const turnutilsMissing: string | false = Object.values(TURNUTILS).every((p) => existsSync(p))
  ? false
  : 'coturn\'s turnutils_uclient/turnutils_peer/turnutils_stunclient are not installed (apt-get install coturn)';

/** `bin/turnpike.js`, run with this very Node (`process.execPath`). */
export const TURNPIKE_BIN = fileURLToPath(new URL('../../bin/turnpike.js', import.meta.url));

/** A long-running child (server or peer). */
export interface Background {
  port: number;
  output(): string;
  stop(): Promise<void>;
}

/** Keeps a child's output and kills it on `stop()` or when the test process exits. */
function background(child: ChildProcess, port: number): Background {
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-50_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    port,
    output: () => log,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Asks host:port a STUN Binding (RFC 8489 §6) every 100 ms until it answers, for up to 10 s. */
async function waitForStun(child: ChildProcess, host: string, port: number, output: () => string): Promise<void> {
  const socket = dgram.createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.bind(0, () => resolve()));
  const tx = new UdpTransactions(socket);
  try {
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`the server exited (code ${child.exitCode}):\n${output()}`);
      try {
        await tx.request({ method: Method.Binding, class: MessageClass.Request, transactionId: newTransactionId(), attributes: [] }, host, port, {}, 100, 1);
        return;
      } catch {
        // not listening yet
      }
    }
    throw new Error(`the server did not answer STUN on ${host}:${port} within 10 s:\n${output()}`);
  } finally {
    tx.close();
    socket.close();
  }
}

/** What `startTurnpike` adds to the README command line. */
export interface TurnpikeStart {
  /** add --rfc5766-channel-numbers (default true), as turnutils_uclient needs */
  rfc5766Channels?: boolean;
  /** instead of `-u ling:ling1234`: `--use-auth-secret --static-auth-secret=SECRET` */
  authSecret?: string;
  /** relay ports to reserve (default 300) */
  relayPorts?: number;
  /** more turnserver options */
  extraArgs?: string[];
}

/**
 * Starts `node bin/turnpike.js turnserver -n --listening-ip=127.0.0.1 --listening-ip=::1
 * --listening-port=P --relay-ip=127.0.0.1 --relay-ip=::1 --min-port=A --max-port=B
 * --allow-loopback-peers --rfc5766-channel-numbers -a -u ling:ling1234 -r demo
 * --log-file=stdout` and waits until it answers a Binding request.
 */
export async function startTurnpike(opts: TurnpikeStart = {}): Promise<Background> {
  const port = await freeUdpTcpPort();
  const { min, max } = await freeRange(opts.relayPorts ?? 300);
  const args = [
    TURNPIKE_BIN, 'turnserver', '-n', '--listening-ip=127.0.0.1', '--listening-ip=::1', `--listening-port=${port}`,
    '--relay-ip=127.0.0.1', '--relay-ip=::1', `--min-port=${min}`, `--max-port=${max}`, '--allow-loopback-peers',
    ...(opts.rfc5766Channels === false ? [] : ['--rfc5766-channel-numbers']),
    '-a', ...(opts.authSecret === undefined ? ['-u', 'ling:ling1234'] : ['--use-auth-secret', `--static-auth-secret=${opts.authSecret}`]),
    '-r', 'demo', '--log-file=stdout', ...(opts.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = background(child, port);
  try {
    await waitForStun(child, '127.0.0.1', port, server.output);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/** Resolves once a UDP echo peer on ip:port sends a probe back. */
async function waitForEcho(ip: string, port: number, output: () => string): Promise<void> {
  const socket = dgram.createSocket(isIP(ip) === 6 ? 'udp6' : 'udp4');
  socket.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) => {
      const ticker = setInterval(() => socket.send('probe', port, ip), 100);
      const deadline = setTimeout(() => {
        clearInterval(ticker);
        reject(new Error(`no echo from ${ip}:${port} within 10 s:\n${output()}`));
      }, 10_000);
      socket.once('message', () => {
        clearInterval(ticker);
        clearTimeout(deadline);
        resolve();
      });
      socket.bind(0, () => socket.send('probe', port, ip));
    });
  } finally {
    socket.close();
  }
}

/** Starts `turnutils_peer -p PORT -L ip…` on a free port and waits until it echoes on every address. */
export function startTurnutilsPeer(ips: string[]): Promise<Background> {
  return startPeer(TURNUTILS.peer, [], ips);
}

/** Starts `node bin/turnpike.js peer -p PORT -L ip…` on a free port and waits until it echoes. */
export function startTurnpikePeer(ips: string[]): Promise<Background> {
  return startPeer(process.execPath, [TURNPIKE_BIN, 'peer'], ips);
}

async function startPeer(command: string, prefix: string[], ips: string[]): Promise<Background> {
  const port = await freeUdpPort();
  const child = spawn(command, [...prefix, '-p', String(port), ...ips.flatMap((ip) => ['-L', ip])], { stdio: ['ignore', 'pipe', 'pipe'] });
  const peer = background(child, port);
  try {
    for (const ip of ips) await waitForEcho(ip, port, peer.output);
  } catch (err) {
    await peer.stop();
    throw err;
  }
  return peer;
}

/** What a finished tool printed. */
export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion (killed after `timeoutMs`) and collects its output. */
export function runTool(command: string, args: string[], timeoutMs = 45_000): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `node bin/turnpike.js <args>` as a user would. */
export function runTurnpike(args: string[], timeoutMs?: number): Promise<ToolResult> {
  return runTool(process.execPath, [TURNPIKE_BIN, ...args], timeoutMs);
}
