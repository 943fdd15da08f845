/**
 * Server wiring for load balancing (RFC 8489 §10): the `alternate-server`,
 * `tls-alternate-server`, `udp-alternate-server`, `tcp-alternate-server`, `aux-server` and
 * `udp-self-balance` options become the TURN core's
 * rotations (`AlternateServers`), the aux servers' UDP and TCP listeners, and the health
 * checker that takes a silent alternate out of rotation (`alternate-health.ts`).
 */
import type { AddressPort, Config } from '../config/types.ts';
import type { Logger } from '../log/logger.ts';
import type { DataPlane, UdpListening } from '../dataplane/types.ts';
import { AlternateServers, type AlternateTarget } from '../turn/alternate-servers.ts';
import { AlternateHealth, type HealthTarget, type Probe } from './alternate-health.ts';
import type { Ingress } from './ingress.ts';
import { listenStream, type StreamListener, type TlsDetection } from './stream-listener.ts';

/** How the health checker runs (tests make it quick). */
export interface AlternateHealthSettings {
  /** between probe rounds; default 5000 ms; 0 turns the checker off */
  intervalMs?: number;
  /** failed probes in a row that take a server out of rotation; default 2 */
  failuresToDown?: number;
  /** how long a probe waits for its answer; default the interval, at most 2000 ms */
  timeoutMs?: number;
  probe?: Probe;
}

function resolve(list: readonly AddressPort[], defaultPort: number): AlternateTarget[] {
  return list.map((a) => ({ ip: a.ip, port: a.port === 0 ? defaultPort : a.port }));
}

/** The aux servers' addresses, a missing port meaning `listening-port`. */
export function auxAddresses(config: Config): AlternateTarget[] {
  return resolve(config.auxServers, config.listeningPort);
}

/** The core's rotations for `config`, or undefined when no Allocate is ever redirected. */
export function alternateServersFrom(config: Config): AlternateServers | undefined {
  const plain = resolve(config.alternateServers, config.listeningPort);
  const tls = resolve(config.tlsAlternateServers, config.tlsListeningPort);
  const udp = resolve(config.udpAlternateServers, config.listeningPort);
  const tcp = resolve(config.tcpAlternateServers, config.listeningPort);
  const aux = config.udpSelfBalance ? auxAddresses(config) : [];
  if (plain.length + tls.length + udp.length + tcp.length + aux.length === 0) return undefined;
  return new AlternateServers({ plain, tls, udp, tcp, aux, udpSelfBalance: config.udpSelfBalance });
}

/** Opens the aux servers' UDP and TCP listeners (as the main ones, without RFC 5780 roles) into the caller's lists. */
export async function listenAuxServers(config: Config, plane: DataPlane, ingress: Ingress, detectTls: TlsDetection | undefined, udp: UdpListening[], streams: StreamListener[]): Promise<void> {
  for (const { ip, port } of auxAddresses(config)) {
    if (!config.noUdp) udp.push(await plane.listenUdp(ip, port));
    if (!config.noTcp) streams.push(await listenStream(ingress, ip, port, undefined, detectTls));
  }
}

/** Starts the health checker of `alternates` (undefined when there is nothing to watch or it is turned off). */
export function startAlternateHealth(alternates: AlternateServers | undefined, config: Config, log: Logger, settings: AlternateHealthSettings = {}): AlternateHealth | undefined {
  if (alternates === undefined || settings.intervalMs === 0) return undefined;
  // TLS and TCP alternates are asked over TCP; the others, which serve UDP clients, over UDP.
  const streamOnly = [...resolve(config.tlsAlternateServers, config.tlsListeningPort), ...resolve(config.tcpAlternateServers, config.listeningPort)];
  const byTcp = new Set(streamOnly.map((t) => `${t.ip} ${t.port}`));
  const targets: HealthTarget[] = alternates.servers().map((s) => ({ ip: s.ip, port: s.port, probe: byTcp.has(`${s.ip} ${s.port}`) ? 'tcp' : 'udp' }));
  const health = new AlternateHealth({
    targets,
    intervalMs: settings.intervalMs,
    failuresToDown: settings.failuresToDown,
    ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
    probe: settings.probe,
    report: (t, up) => {
      alternates.setUp(t.ip, t.port, up);
      if (up) log.info('alternate-server-up', { server: `${t.ip}:${t.port}` });
      else log.warn('alternate-server-down', { server: `${t.ip}:${t.port}`, probe: t.probe });
    },
  });
  health.start();
  return health;
}
