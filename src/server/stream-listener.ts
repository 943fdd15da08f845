/**
 * TCP (and, given a TLS server, TLS) client transports (RFC 8656 §3.1, §12.5): each connection
 * is its own 5-tuple; STUN messages and ChannelData (padded to 4 bytes) are framed out of the
 * byte stream. A connection that sends garbage is closed; one that cannot keep up loses the
 * datagrams that exceed its backlog instead of growing memory.
 */
import net from 'node:net';
import type { SecureContext, Server as TlsServer, TLSSocket } from 'node:tls';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import type { ClientTransport, TransportProtocol } from '../turn/five-tuple.ts';
import { ingestGuarded, type Ingress } from './ingress.ts';
import { nextTransportId } from './transport-ids.ts';
import { StreamFramer } from './stream-framer.ts';
import { httpFirstChunkCheck } from './http-on-turn-port.ts';
import { BindHold, isConnectionBindError, isConnectionBindRequest, offerHandover } from './stream-handover.ts';

/** Bytes queued toward a slow client before relayed data is dropped (coturn uses 32 KiB). */
const MAX_BACKLOG = 256 * 1024;
/** A connection that holds no allocation is closed after this long without a complete frame. */
const IDLE_WITHOUT_ALLOCATION_MS = 30_000;

export interface StreamListener {
  readonly protocol: TransportProtocol;
  readonly localIp: string;
  readonly localPort: number;
  close(): Promise<void>;
}

/** A client address that stands instead of the socket's peer (a PROXY protocol header's source). */
export interface StatedClient {
  ip: string;
  port: number;
}

/** Serves one accepted connection. */
function serveConnection(ing: Ingress, socket: net.Socket, protocol: TransportProtocol, localIp: string, localPort: number, client?: StatedClient): void {
  const clientIp = client?.ip ?? socket.remoteAddress ?? '';
  const clientPort = client?.port ?? socket.remotePort ?? 0;
  socket.setNoDelay(true);
  const transport: ClientTransport = {
    id: nextTransportId(),
    protocol,
    localIp,
    localPort,
    send(_ip, _port, data) {
      if (socket.writableLength > MAX_BACKLOG) return ing.core.counters.drop('stream-backlog-full');
      socket.write(data);
      // RFC 6062 §5.4: a refused ConnectionBind leaves the connection a STUN one.
      if (hold.holding && isConnectionBindError(data)) for (const held of hold.release()) onData(held);
    },
  };
  const framer = new StreamFramer(ing.core.options.maxChannelNumber);
  const hold = new BindHold();
  const http = httpFirstChunkCheck(socket, protocol, ing.core.options);
  const onData = ing.guard.wrap('stream-ingress', (chunk: Uint8Array) => {
    if (http(chunk)) return;
    if (hold.holding) {
      if (!hold.add(chunk)) socket.destroy();
      return;
    }
    const { frames, garbage, rest } = framer.push(chunk, isConnectionBindRequest);
    if (rest !== undefined) hold.start(rest);
    // ChannelData over a stream is padded to 4 bytes; the decoder accepts the padding.
    for (const frame of frames) ingestGuarded(ing, 'stream-ingress', transport, clientIp, clientPort, frame);
    if (garbage) {
      ing.core.counters.drop('stream-garbage');
      socket.destroy();
    }
  });
  socket.on('data', onData);
  // RFC 6062 §5.4: the TCP relay takes the socket over once its ConnectionBind succeeded.
  offerHandover(transport, () => {
    if (!hold.holding || socket.destroyed) return undefined;
    socket.off('data', onData);
    socket.pause();
    socket.setTimeout(0);
    const held = hold.release();
    if (held.length > 0) socket.unshift(Buffer.concat(held));
    return socket;
  });
  // A connection that never completes a frame (a half frame, an HTTP request on the TURN port)
  // must not hold a file descriptor forever; one with an allocation lives by its lifetime.
  socket.setTimeout(IDLE_WITHOUT_ALLOCATION_MS, ing.guard.wrap('stream-ingress', () => {
    if (ing.core.findAllocation(transport, clientIp, clientPort) !== undefined) return;
    ing.core.counters.drop('stream-idle-timeout');
    socket.destroy();
  }));
  socket.on('error', () => ing.core.counters.drop('stream-socket-error'));
  socket.on('close', ing.guard.wrap('stream-ingress', () => ing.core.transportClosed(transport, ing.now())));
}

/**
 * coturn serves TLS on its plain port too: a connection whose first byte is a TLS handshake
 * record (0x16; STUN starts with 0x00 or 0x01, ChannelData with 0x40-0x7F) is wrapped in TLS.
 */
/**
 * What a plain TCP listener needs to also accept TLS: a context made once, and Node's TLS
 * socket class. Passed in, so a server without a certificate never loads `node:tls`.
 */
export interface TlsDetection {
  context: SecureContext;
  TLSSocket: typeof TLSSocket;
}

function serveDetecting(ing: Ingress, socket: net.Socket, tls: TlsDetection, localIp: string, localPort: number, client?: StatedClient): void {
  let started = false;
  socket.once('data', ing.guard.wrap('stream-ingress', (first: Buffer) => {
    started = true;
    socket.pause();
    socket.unshift(first);
    if (first[0] !== 0x16) {
      serveConnection(ing, socket, 'tcp', localIp, localPort, client);
      // pause() made the stream explicitly paused; a new 'data' listener does not resume it.
      socket.resume();
      return;
    }
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: tls.context });
    secure.once('secure', () => serveConnection(ing, secure, 'tls', localIp, localPort, client));
    secure.on('error', () => {
      ing.core.counters.drop('tls-handshake-failed');
      socket.destroy();
    });
  }));
  // A connection that never sends a byte is closed as one that never completes a frame.
  socket.setTimeout(IDLE_WITHOUT_ALLOCATION_MS, () => {
    if (started) return;
    ing.core.counters.drop('stream-idle-timeout');
    socket.destroy();
  });
  socket.on('error', () => {
    if (!started) ing.core.counters.drop('stream-socket-error');
  });
}

/**
 * Serves a plain TCP connection whose client is `client` (a PROXY protocol header said so),
 * detecting TLS as the plain port does when `detectTls` is given. The socket is paused with
 * any bytes after the header unshifted; this resumes it.
 */
export function serveStatedClient(ing: Ingress, socket: net.Socket, localIp: string, localPort: number, detectTls: TlsDetection | undefined, client: StatedClient): void {
  if (detectTls) serveDetecting(ing, socket, detectTls, localIp, localPort, client);
  else serveConnection(ing, socket, 'tcp', localIp, localPort, client);
  socket.resume();
}

/**
 * Listens for TCP (or TLS, when `tlsServer` is given) client connections on `ip:port`. With
 * `detectTls`, a plain TCP listener also accepts TLS connections, as coturn's does.
 */
export async function listenStream(ing: Ingress, ip: string, port: number, tlsServer?: TlsServer, detectTls?: TlsDetection): Promise<StreamListener> {
  const protocol: TransportProtocol = tlsServer ? 'tls' : 'tcp';
  const server: net.Server = tlsServer ?? net.createServer();
  const v6 = ip.includes(':');
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new TurnpikeError(ErrorCode.LISTEN_FAILED, `cannot listen on ${protocol.toUpperCase()} ${v6 ? `[${ip}]` : ip}:${port}: ${err.message}`, { cause: err })));
    server.listen({ host: ip, port, ipv6Only: v6 }, () => resolve());
  });
  const addr = server.address() as net.AddressInfo;
  if (tlsServer) server.on('secureConnection', (socket: net.Socket) => serveConnection(ing, socket, protocol, ip, addr.port));
  else if (detectTls) server.on('connection', (socket: net.Socket) => serveDetecting(ing, socket, detectTls, ip, addr.port));
  else server.on('connection', (socket: net.Socket) => serveConnection(ing, socket, protocol, ip, addr.port));
  server.on('error', () => ing.core.counters.drop('stream-server-error'));
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    protocol,
    localIp: ip,
    localPort: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
