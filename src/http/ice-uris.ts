/**
 * The `stun:` and `turn:` URIs (RFC 7064 §3, RFC 7065 §3) clients use to reach Turnpike's
 * STUN/TURN listeners, for `/api/server-info` and the TURN REST API's `uris`.
 */

/** Where the STUN/TURN listeners are reachable from clients. */
export interface IceListenerAddress {
  /** the public address or name clients use (coturn's `external-ip` or `realm` host) */
  host: string;
  /** UDP and TCP listening port (coturn's `listening-port`, default 3478) */
  port: number;
  /** TLS listening port when TLS is on (coturn's `tls-listening-port`, default 5349) */
  tlsPort?: number;
  /** false with coturn's `no-udp` */
  udp?: boolean;
  /** false with coturn's `no-tcp` */
  tcp?: boolean;
}

/** The STUN and TURN URIs for a listener, one TURN URI per transport. */
export function iceUris(address: IceListenerAddress): { stun: string[]; turn: string[] } {
  const host = address.host.includes(':') && !address.host.startsWith('[') ? `[${address.host}]` : address.host;
  const udp = address.udp !== false;
  const tcp = address.tcp !== false;
  const stun: string[] = [];
  const turn: string[] = [];
  if (udp || tcp) stun.push(`stun:${host}:${address.port}`);
  if (udp) turn.push(`turn:${host}:${address.port}?transport=udp`);
  if (tcp) turn.push(`turn:${host}:${address.port}?transport=tcp`);
  if (address.tlsPort !== undefined) turn.push(`turns:${host}:${address.tlsPort}?transport=tcp`);
  return { stun, turn };
}
