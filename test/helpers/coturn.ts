/**
 * A TURN server for interop and browser tests: Debian's coturn (`turnserver`), or Turnpike's
 * own `turnpike turnserver` given the very same command line, which is the point of Turnpike
 * (it takes coturn's options unchanged). The server listens on 127.0.0.1 only, relays from
 * 127.0.0.1, and is ready when it answers a STUN Binding request (RFC 8489 §6); it is launched
 * by harness/servers.ts, as the benchmarks' servers are. Tests must call `stop()`; anything
 * left running is killed when the test process exits.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freeRange, freeUdpTcpPort } from '../../harness/ports.ts';
import { coturnMissing, launchTurnServer, type ServerKind } from '../../harness/servers.ts';

/** True when coturn is installed, so tests can skip with a clear message otherwise. */
export const coturnAvailable = coturnMissing('turnserver') === false;

/** Which implementation `startTurnServer` runs. */
export type TurnServerKind = ServerKind;

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
  const pidFile = kind === 'coturn' ? path.join(tmpdir(), `turnpike-test-coturn-${port}.pid`) : undefined;
  if (pidFile !== undefined) {
    args.push('--no-cli', '--no-tls', '--no-dtls', '--log-file=stdout', '--simple-log', `--pidfile=${pidFile}`);
  }
  args.push(...(opts.extraArgs ?? []));
  const server = await launchTurnServer(kind, args, { port, pidFile, keep: 20_000 });
  return { kind, port, realm, minPort: min, maxPort: max, output: server.output, stop: server.stop };
}
