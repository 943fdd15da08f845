/**
 * A client's path to a TURN server: one connected UDP socket, or one TCP connection whose
 * byte stream is cut into STUN and ChannelData frames (RFC 8656 §12.5). STUN responses go to
 * the connection's transaction table; everything else (ChannelData, Data indications) to
 * `onPacket`, the hot path.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { streamFrameLength, RFC5766_MAX_CHANNEL_NUMBER } from '../stun/index.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { ClientTransactions } from './transactions.ts';

/** Where to reach the server, and from where. */
export interface ServerEndpoint {
  ip: string;
  port: number;
  family: 4 | 6;
  localIp?: string;
}

/** One UDP socket or TCP connection to the server. */
export interface ServerConnection {
  readonly reliable: boolean;
  readonly transactions: ClientTransactions;
  /** called for every datagram or frame that is not a STUN response */
  onPacket: (packet: Buffer) => void;
  /** called when a send fails (UDP) */
  onSendError: () => void;
  /** sends one datagram or frame */
  send(bytes: Uint8Array): void;
  close(): Promise<void>;
}

/** Socket buffers big enough that a burst of unpaced messages is not dropped by the kernel. */
const SOCKET_BUFFER = 1 << 20;

function dispatch(conn: ServerConnection, packet: Buffer): void {
  // RFC 7983: 0–3 is STUN; only responses belong to the transaction table.
  if (packet[0] < 0x40 && conn.transactions.handle(packet)) return;
  conn.onPacket(packet);
}

/** A connected UDP socket to the server. */
export async function connectUdp(server: ServerEndpoint): Promise<ServerConnection> {
  const socket = dgram.createSocket({ type: server.family === 6 ? 'udp6' : 'udp4', recvBufferSize: SOCKET_BUFFER, sendBufferSize: SOCKET_BUFFER });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (e) => reject(new TurnpikeError(ErrorCode.LISTEN_FAILED, `cannot open a UDP socket: ${e.message}`)));
    socket.bind(0, server.localIp, () => resolve());
  });
  await new Promise<void>((resolve, reject) => {
    socket.removeAllListeners('error');
    socket.once('error', (e) => reject(new TurnpikeError(ErrorCode.LISTEN_FAILED, `cannot reach ${server.ip}:${server.port}: ${e.message}`)));
    socket.connect(server.port, server.ip, () => resolve());
  });
  socket.removeAllListeners('error');
  const conn: ServerConnection = {
    reliable: false,
    transactions: new ClientTransactions(false),
    onPacket: () => {},
    onSendError: () => {},
    send: (bytes) => socket.send(bytes),
    close: () => {
      conn.transactions.close();
      return new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
  socket.on('error', (e: NodeJS.ErrnoException) => {
    // ICMP port unreachable: nobody listens there, so waiting out retransmissions is pointless.
    if (e.code === 'ECONNREFUSED') conn.transactions.close('the server port is closed (ICMP port unreachable)');
    // It and full buffers are counted by a load run, which goes on.
    conn.onSendError();
  });
  socket.on('message', (msg) => dispatch(conn, msg));
  return conn;
}

/** A TCP connection to the server, framed as RFC 8656 §12.5 says. */
export async function connectTcp(server: ServerEndpoint): Promise<ServerConnection> {
  const socket = net.connect({ host: server.ip, port: server.port, localAddress: server.localIp, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (e) => reject(new TurnpikeError(ErrorCode.LISTEN_FAILED, `cannot connect to ${server.ip}:${server.port}: ${e.message}`)));
    socket.once('connect', () => resolve());
  });
  socket.removeAllListeners('error');
  let closed = false;
  const conn: ServerConnection = {
    reliable: true,
    transactions: new ClientTransactions(true),
    onPacket: () => {},
    onSendError: () => {},
    send: (bytes) => {
      if (!closed) socket.write(bytes);
    },
    close: () => {
      closed = true;
      conn.transactions.close();
      return new Promise<void>((resolve) => {
        if (socket.destroyed) return resolve();
        socket.once('close', () => resolve());
        socket.end();
        // The server may keep the connection open; do not wait for it.
        setTimeout(() => socket.destroy(), 1000).unref();
      });
    },
  };
  socket.on('error', () => conn.onSendError());
  socket.on('close', () => {
    closed = true;
  });
  let pending: Buffer | undefined;
  socket.on('data', (chunk: Buffer) => {
    let buf = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      const n = streamFrameLength(buf, RFC5766_MAX_CHANNEL_NUMBER);
      if (n < 0) {
        // An unframeable stream cannot be resynchronised (RFC 8656 §12.5): give up on it.
        socket.destroy();
        return;
      }
      if (n === 0) break;
      dispatch(conn, buf.subarray(0, n));
      buf = buf.subarray(n);
    }
    pending = buf.length > 0 ? buf : undefined;
  });
  return conn;
}
