/**
 * A UDP listening socket (RFC 8656 §3.1 UDP client transport): one ClientTransport for every
 * client that reaches this address.
 */
import dgram from 'node:dgram';
import { ErrorCode, TurnpikeError } from '../../errors.ts';
import type { ClientTransport } from '../../turn/five-tuple.ts';
import { ingestGuarded, type Ingress } from '../../server/ingress.ts';
import { nextTransportId } from '../../server/transport-ids.ts';

/** Socket buffer size asked of the kernel; bursts of relayed media must not overflow it. */
const SOCKET_BUFFER = 4 * 1024 * 1024;

/**
 * The address "resolver" of every server UDP socket. The server only ever sends to IP
 * literals (a client's source address, an XOR-PEER-ADDRESS, a configured IP), so the name is
 * the address. Answering synchronously matters on the relay path (RFC 8656 §12.4): Node's
 * default resolver defers each send to the next tick, which costs a trip into JavaScript
 * per relayed datagram.
 */
export function ipLiteralLookup(address: string, family: number | object, callback: (err: null, address: string, family: number) => void): void {
  callback(null, address, typeof family === 'number' ? family : address.includes(':') ? 6 : 4);
}

/**
 * The options of a server UDP socket: its family, and the buffer sizes `sock-buf-size` asks
 * for (bytes; 0 keeps `fallback`, and a fallback of 0 keeps the system's default). Pure.
 */
export function udpSocketOptions(ip: string, sockBufSize: number, fallback = 0): dgram.SocketOptions {
  const v6 = ip.includes(':');
  const size = sockBufSize > 0 ? sockBufSize : fallback;
  const buffers = size > 0 ? { recvBufferSize: size, sendBufferSize: size } : {};
  return { type: v6 ? 'udp6' : 'udp4', ipv6Only: v6, ...buffers, lookup: ipLiteralLookup as never };
}

/** A bound UDP listener. */
export interface UdpListener extends ClientTransport {
  close(): Promise<void>;
}

/** Binds `ip:port` and feeds every datagram to ingress; `sockBufSize` (bytes) replaces the default buffer size. */
export async function listenUdp(ing: Ingress, ip: string, port: number, sockBufSize = 0): Promise<UdpListener> {
  const v6 = ip.includes(':');
  const socket = dgram.createSocket(udpSocketOptions(ip, sockBufSize, SOCKET_BUFFER));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err) => reject(new TurnpikeError(ErrorCode.LISTEN_FAILED, `cannot listen on UDP ${v6 ? `[${ip}]` : ip}:${port}: ${err.message}`, { cause: err })));
    socket.bind(port, ip, () => resolve());
  });
  const listener: UdpListener = {
    id: nextTransportId(),
    protocol: 'udp',
    localIp: ip,
    localPort: socket.address().port,
    send(toIp, toPort, data) {
      socket.send(data, toPort, toIp);
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  // After start-up a socket error (e.g. ICMP-induced) is counted, never fatal.
  socket.on('error', () => ing.core.counters.drop('udp-socket-error'));
  socket.on('message', (msg, rinfo) => ingestGuarded(ing, 'udp-ingress', listener, rinfo.address, rinfo.port, msg));
  return listener;
}
