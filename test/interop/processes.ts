/**
 * The interop tests' servers and peers: Turnpike's `turnserver` started exactly as the README
 * starts it, and UDP echo peers (coturn's `turnutils_peer` or `turnpike peer`). They are
 * launched by harness/servers.ts, as the benchmarks' are: tests stop them from `after`, and
 * anything left running is killed when the test process exits.
 */
import { fileURLToPath } from 'node:url';
import { freeRange, freeTcpPort, freeUdpPort, freeUdpTcpPort } from '../../harness/ports.ts';
import { coturnMissing, launchPeer, launchTurnServer, type Launched } from '../../harness/servers.ts';

/** Why coturn's utilities cannot be used, or false when they are installed. */
export const turnutilsMissing: string | false = coturnMissing('uclient', 'peer', 'stunclient');

/** Keep this much of a child's output for failure messages. */
const KEEP = 50_000;

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
export async function startTurnpike(opts: TurnpikeStart = {}): Promise<Launched> {
  const port = await freeUdpTcpPort();
  const { min, max } = await freeRange(opts.relayPorts ?? 300);
  const args = [
    '-n', '--listening-ip=127.0.0.1', '--listening-ip=::1', `--listening-port=${port}`,
    '--relay-ip=127.0.0.1', '--relay-ip=::1', `--min-port=${min}`, `--max-port=${max}`, '--allow-loopback-peers',
    ...(opts.rfc5766Channels === false ? [] : ['--rfc5766-channel-numbers']),
    '-a', ...(opts.authSecret === undefined ? ['-u', 'ling:ling1234'] : ['--use-auth-secret', `--static-auth-secret=${opts.authSecret}`]),
    '-r', 'demo', '--log-file=stdout', ...(opts.extraArgs ?? []),
  ];
  return launchTurnServer('turnpike', args, { port, keep: KEEP });
}

/** Starts `turnutils_peer -p PORT -L ip…` on a free port and waits until it echoes on every address. */
export async function startTurnutilsPeer(ips: string[]): Promise<Launched> {
  return launchPeer('coturn', await freeUdpPort(), ips, { keep: KEEP });
}

/** Starts `node bin/turnpike.js peer -p PORT -L ip…` on a free port and waits until it echoes. */
export async function startTurnpikePeer(ips: string[]): Promise<Launched> {
  return launchPeer('turnpike', await freeUdpPort(), ips, { keep: KEEP });
}

/** A test fixture's path (test/http/fixtures/NAME). */
const fixture = (name: string): string => fileURLToPath(new URL(`../http/fixtures/${name}`, import.meta.url));

/** A Turnpike turnserver with TLS over TCP, and the port it takes TLS on. */
export interface TlsTurnpike {
  server: Launched;
  tlsPort: number;
}

/**
 * Starts Turnpike as `startTurnpike` does with 80 relay ports, plus `--tls-listening-port` on a
 * free TCP port, the localhost test certificate (`--cert`, `--pkey`) and `--no-dtls`.
 */
export async function startTlsTurnpike(): Promise<TlsTurnpike> {
  const tlsPort = await freeTcpPort();
  const server = await startTurnpike({
    relayPorts: 80,
    extraArgs: [`--tls-listening-port=${tlsPort}`, `--cert=${fixture('localhost-cert.pem')}`, `--pkey=${fixture('localhost-key.pem')}`, '--no-dtls'],
  });
  return { server, tlsPort };
}
