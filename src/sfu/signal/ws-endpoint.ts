/**
 * The WebSocket endpoint (`/ws`, RFC 6455) that carries ion-sfu's JSON-RPC: it takes HTTP
 * upgrades from whoever owns the HTTP server and gives each socket a {@link SignalConnection}.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RoomService } from '../room/types.ts';
import { silentLog, type SfuLog } from '../types/log.ts';
import { SignalConnection, defaultSignalLimits, type SignalCounters, type SignalLimits } from './connection.ts';
import { encodeError, RpcErrorCode } from './jsonrpc.ts';
import { admitJoin, tokenOfUrl } from './join-token.ts';

/** An HTTP upgrade handler, as `web.upgrade(path, handler)` takes it. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export { silentLog, type SfuLog } from '../types/log.ts';

export interface SignalEndpointOptions {
  readonly upgrade: (path: string, handler: UpgradeHandler) => void;
  readonly rooms: RoomService;
  readonly path?: string;
  readonly limits?: SignalLimits;
  readonly log?: SfuLog;
  /** `[auth] jwtsecret`: joins need a token signed with it (`?access_token=`); unset: anyone joins */
  readonly joinSecret?: string;
  /** wall clock ms, for token expiry (tests pass their own) */
  readonly wallClock?: () => number;
}

/** Signalling counters, summed over every connection. */
export interface SignalStats extends SignalCounters {
  connections: number;
  connectionsTotal: number;
  /** messages whose handling threw (a bug; the connection lived on) */
  faults: number;
}

export interface SignalEndpoint {
  stats(): SignalStats;
  /** closes every socket (1001 going away) and stops accepting */
  close(): Promise<void>;
}

/** Registers the endpoint on `opts.upgrade`. */
export function attachSignalEndpoint(opts: SignalEndpointOptions): SignalEndpoint {
  const limits = opts.limits ?? defaultSignalLimits;
  const log = opts.log ?? silentLog;
  // The hard cap sits above the soft limit so an oversized frame still gets an error object back.
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameChars * 4 + 65536 });
  const stats: SignalStats = { connections: 0, connectionsTotal: 0, requests: 0, notifications: 0, errors: 0, rateLimited: 0, faults: 0 };
  let closing = false;

  const onSocket = (ws: WebSocket, req: IncomingMessage): void => {
    stats.connections++;
    stats.connectionsTotal++;
    const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const secret = opts.joinSecret;
    const token = secret === undefined ? undefined : tokenOfUrl(req.url);
    const wallClock = opts.wallClock ?? Date.now;
    const conn = new SignalConnection({
      ...(secret === undefined
        ? {}
        : {
            admit: (p) => {
              const r = admitJoin(p, token, secret, wallClock() / 1000);
              if (!r.ok) log.info('sfu.join.refused', { remote, session: p.sid.slice(0, 64), why: r.error });
              return r;
            },
          }),
      rooms: opts.rooms,
      limits,
      counters: stats,
      now: () => performance.now(),
      send: (text) => {
        if (ws.readyState === ws.OPEN) ws.send(text);
      },
      close: (code, reason) => ws.close(code, reason),
      onFault: (err) => {
        stats.faults++;
        log.error('sfu.ws.fault', { remote, error: err instanceof Error ? err.message : String(err) });
      },
    });
    ws.on('message', (data, isBinary) => {
      try {
        if (isBinary) {
          stats.errors++;
          ws.send(encodeError(null, { code: RpcErrorCode.invalidRequest, message: 'invalid request: expected a text frame' }));
          return;
        }
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        conn.receive(buf.toString('utf8'));
      } catch (err) {
        // A fault in handling one message costs that message: counted, logged, the socket lives on.
        stats.faults++;
        log.error('sfu.ws.fault', { remote, error: err instanceof Error ? err.message : String(err) });
      }
    });
    ws.on('error', (err) => log.debug('sfu.ws.error', { remote, error: err.message }));
    ws.on('close', () => {
      stats.connections--;
      try {
        conn.closed();
      } catch (err) {
        stats.faults++;
        log.error('sfu.ws.fault', { remote, error: err instanceof Error ? err.message : String(err) });
      }
      log.debug('sfu.ws.closed', { remote, peer: conn.peer?.id });
    });
  };

  opts.upgrade(opts.path ?? '/ws', (req, socket, head) => {
    if (closing) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws, req));
  });

  return {
    stats: () => ({ ...stats }),
    close: async () => {
      closing = true;
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      // Sockets that ignore the close handshake are cut.
      for (const ws of wss.clients) ws.terminate();
    },
  };
}
