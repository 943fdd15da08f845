/**
 * Server wiring, the listeners' part: on every listening IP, UDP and TCP at `listening-port`,
 * TLS at `tls-listening-port`, DTLS on UDP beside it, the alternate ports of RFC 5780 §6 when
 * NAT discovery is on, the PROXY-protocol port, and the aux servers (`aux-server`).
 */
import type { Config } from '../config/types.ts';
import type { DataPlane, UdpListening } from '../dataplane/types.ts';
import type { Logger } from '../log/logger.ts';
import type { ClientTransport } from '../turn/five-tuple.ts';
import type { TurnCore } from '../turn/turn-core.ts';
import { resolveListeningIps } from './addresses.ts';
import { dtlsPorts } from './dtls-setup.ts';
import type { Ingress } from './ingress.ts';
import { listenAuxServers } from './load-balancing.ts';
import { listenProxied } from './proxy-listener.ts';
import { altListeningPort, altTlsListeningPort, rfc5780Plan } from './rfc5780-plan.ts';
import { listenStream, type StreamListener } from './stream-listener.ts';
import type { TlsListening } from './tls-listening.ts';

/** What the listeners are opened with. */
export interface ListenerParts {
  config: Config;
  plane: DataPlane;
  ingress: Ingress;
  core: TurnCore;
  tls: TlsListening;
  /** whether DTLS is served */
  dtls: boolean;
  log: Logger;
  /** RFC 5780's sibling listeners: filled with each UDP listener's transport by `ip|port` */
  udpByAddress: Map<string, ClientTransport>;
}

/** The listeners opened so far: the caller closes the streams (the data plane the UDP ones) when one fails. */
export interface Listening {
  udp: UdpListening[];
  streams: StreamListener[];
}

/** The listeners on one listening IP. */
async function listenOn(p: ListenerParts, ip: string, rfc5780: boolean, into: Listening): Promise<void> {
  const { config, plane, ingress, tls } = p;
  // RFC 5780 §6: the alternate ports listen too, on every listening IP.
  for (const port of rfc5780 ? [config.listeningPort, altListeningPort(config)] : [config.listeningPort]) {
    if (!config.noUdp) {
      const listening = await plane.listenUdp(ip, port);
      into.udp.push(listening);
      if (listening.transports.length > 0) p.udpByAddress.set(`${ip}|${listening.localPort}`, listening.transports[0]);
    }
    if (!config.noTcp) into.streams.push(await listenStream(ingress, ip, port, undefined, tls.detectTls));
  }
  for (const port of rfc5780 ? [config.tlsListeningPort, altTlsListeningPort(config)] : [config.tlsListeningPort]) {
    const server = tls.createServer(p.core);
    if (server === undefined) break;
    into.streams.push(await listenStream(ingress, ip, port, server));
  }
  // coturn serves DTLS on UDP beside TLS on TCP at tls-listening-port (and the alternate).
  for (const port of p.dtls && !config.noUdp ? dtlsPorts(config, rfc5780) : []) into.udp.push(await plane.listenUdp(ip, port));
  if (config.tcpProxyPort > 0) into.streams.push(await listenProxied(ingress, ip, config.tcpProxyPort, { detectTls: tls.detectTls }));
}

/**
 * Opens every listener of `p.config` into `into`. An IP marked optional (a wildcard's
 * addresses) that cannot be bound is logged and skipped; any other failure throws
 * (TurnpikeError LISTEN_FAILED), leaving what opened in `into`.
 */
export async function openListeners(p: ListenerParts, into: Listening): Promise<void> {
  const rfc5780 = rfc5780Plan(p.config) !== undefined;
  for (const { ip, optional } of resolveListeningIps(p.config)) {
    try {
      await listenOn(p, ip, rfc5780, into);
    } catch (err) {
      if (!optional) throw err;
      p.log.warn('listen-skipped', { ip, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  await listenAuxServers(p.config, p.plane, p.ingress, p.tls.detectTls, into.udp, into.streams);
}

/** What is listening, e.g. `{ protocol: 'udp', ip: '127.0.0.1', port: 3478 }`. */
export function listenersOf(l: Listening): { protocol: string; ip: string; port: number }[] {
  return [
    ...l.udp.map((u) => ({ protocol: 'udp', ip: u.localIp, port: u.localPort })),
    ...l.streams.map((s) => ({ protocol: s.protocol, ip: s.localIp, port: s.localPort })),
  ];
}
