/**
 * `tcp-proxy-port`: a TCP listener behind a load balancer (HAProxy, an AWS Network Load
 * Balancer) that speaks the PROXY protocol. Every connection must start with a v1 or v2 header
 * (src/net/proxy-protocol.ts); its source address becomes the client side of the 5-tuple
 * (XOR-MAPPED-ADDRESS, the allocation, logs, authentication-failure records). After the header
 * comes STUN/TURN over TCP, or TLS (first byte 0x16) as on the plain TCP port. A connection
 * without a valid header within the size cap (PROXY_V2_MAX_LENGTH) and the time limit is
 * counted and closed. Only this port reads headers: on every other port a header is garbage.
 */
import net from 'node:net';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { parseProxyHeader } from '../net/proxy-protocol.ts';
import type { Ingress } from './ingress.ts';
import { serveStatedClient, type StreamListener, type TlsDetection } from './stream-listener.ts';

/** How long a balancer has to send the header; a real one sends it with the first segment. */
export const PROXY_HEADER_TIMEOUT_MS = 5_000;

/** Options of a PROXY protocol listener. */
export interface ProxyListenOptions {
  /** accept TLS after the header (the plain port's detection) */
  detectTls?: TlsDetection;
  /** header deadline in ms (default `PROXY_HEADER_TIMEOUT_MS`) */
  headerTimeoutMs?: number;
}

/** Reads the header of one accepted connection, then serves it as the client the header names. */
function readHeader(ing: Ingress, socket: net.Socket, localIp: string, localPort: number, opts: ProxyListenOptions): void {
  let buffered: Buffer = Buffer.alloc(0);
  let done = false;
  const refuse = (reason: 'proxy-header-invalid' | 'proxy-header-timeout'): void => {
    done = true;
    clearTimeout(timer);
    ing.core.counters.drop(reason);
    socket.destroy();
  };
  const timer = setTimeout(() => refuse('proxy-header-timeout'), opts.headerTimeoutMs ?? PROXY_HEADER_TIMEOUT_MS);
  timer.unref();
  const onData = ing.guard.wrap('stream-ingress', (chunk: Buffer) => {
    if (done) return;
    // The cap: past the longest header accepted (PROXY_V2_MAX_LENGTH) the parser always
    // decides, so no more than that and one read is ever held.
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const parsed = parseProxyHeader(buffered);
    if (!parsed.ok) {
      if (parsed.reason !== 'incomplete') refuse('proxy-header-invalid');
      return;
    }
    done = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.pause();
    const rest = buffered.subarray(parsed.length);
    if (rest.length > 0) socket.unshift(rest);
    const header = parsed.header;
    const client = header.command === 'proxy' ? header.source : { ip: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    serveStatedClient(ing, socket, localIp, localPort, opts.detectTls, client);
  });
  socket.on('data', onData);
  socket.on('error', () => {
    if (!done) ing.core.counters.drop('stream-socket-error');
  });
  socket.on('close', () => clearTimeout(timer));
}

/** Listens on `ip:port` for connections that each start with a PROXY protocol header. */
export async function listenProxied(ing: Ingress, ip: string, port: number, opts: ProxyListenOptions = {}): Promise<StreamListener> {
  const server = net.createServer();
  const v6 = ip.includes(':');
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new TurnpikeError(ErrorCode.LISTEN_FAILED, `cannot listen on TCP (PROXY protocol) ${v6 ? `[${ip}]` : ip}:${port}: ${err.message}`, { cause: err })));
    server.listen({ host: ip, port, ipv6Only: v6 }, () => resolve());
  });
  const localPort = (server.address() as net.AddressInfo).port;
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    readHeader(ing, socket, ip, localPort, opts);
  });
  server.on('error', () => ing.core.counters.drop('stream-server-error'));
  return {
    protocol: 'tcp',
    localIp: ip,
    localPort,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
