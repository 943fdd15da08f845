/**
 * The one HTTP(S) server of `turnpike serve` (default port 7000, as ion-sfu's JSON-RPC
 * signalling): a small router for the JSON API, WebSocket upgrades (RFC 6455 §4) for the SFU,
 * and static pages such as `/trickle-ice`. Handler failures become 500 responses and log
 * lines; nothing a client sends can stop the server.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { HttpErrorCode, sendError } from './responses.ts';
import { requestUrl } from './request-url.ts';
import { RouteTable, type RouteMethod } from './router.ts';
import { createStaticHandler, type StaticOptions } from './static-files.ts';
import { FaultGuard } from '../log/fault-guard.ts';

/** Answers one request; `url` is the parsed request URL. A throw or rejection becomes a 500. */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void | Promise<void>;

/** Takes over the socket of a request asking for `Upgrade` (RFC 9110 §7.8), e.g. a WebSocket. */
export type UpgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

/** The logging callback the web server reports through. */
export type WebLog = (level: 'info' | 'warn' | 'error', event: string, fields?: Record<string, unknown>) => void;

/** Options of `createWebServer`. */
export interface WebServerOptions {
  host: string;
  /** 0 picks a free port; `turnpike serve` defaults to 7000 */
  port: number;
  /** PEM text of the certificate chain and private key: serves HTTPS instead of HTTP */
  tls?: { cert: string; key: string };
  log?: WebLog;
  /** where faults in request handling are counted (default: a guard of this server's own) */
  guard?: FaultGuard;
}

/** A running (or ready-to-listen) web server that several parts of Turnpike mount routes on. */
export interface WebServer {
  /** Answers `method` on `path`: exact, or every path below when it ends with `/*`. */
  route(method: RouteMethod, path: string, handler: Handler): void;
  /** Hands requests to `path` that ask for an upgrade (a WebSocket) to `handler`. */
  upgrade(path: string, handler: UpgradeHandler): void;
  /** Serves the files of `dir` under `urlPrefix`, refusing anything outside `dir`. */
  static(urlPrefix: string, dir: string, opts?: StaticOptions): void;
  /** Starts listening; `url` is how a client on this machine reaches the server. */
  listen(): Promise<{ url: string; port: number }>;
  /** Stops listening and closes every connection, upgraded ones included. */
  close(): Promise<void>;
  readonly server: http.Server | https.Server;
  /** faults caught while handling requests, by reason (when the server made its own guard) */
  readonly faults: ReadonlyMap<string, number>;
}

/** The port ion-sfu's JSON-RPC signalling listens on, which `turnpike serve` keeps. */
export const DEFAULT_WEB_PORT = 7000;

/** Default logging: warnings and errors to stderr, so failures are never silent. */
const stderrLog: WebLog = (level, event, fields) => {
  if (level !== 'info') process.stderr.write(`${level.toUpperCase()} ${event} ${JSON.stringify(fields ?? {})}\n`);
};

/** Creates the web server; nothing listens until `listen()`. */
export function createWebServer(opts: WebServerOptions): WebServer {
  const log = opts.log ?? stderrLog;
  const scheme = opts.tls ? 'https' : 'http';
  const routes = new RouteTable<Handler>();
  const upgrades = new RouteTable<UpgradeHandler>();
  const upgraded = new Set<Duplex>();
  const faults = new Map<string, number>();
  const guard = opts.guard ?? new FaultGuard({
    count: (reason) => faults.set(reason, (faults.get(reason) ?? 0) + 1),
    log: (reason, fields) => log('error', reason, fields),
    now: Date.now,
  });
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    // Handler failures are 500s inside dispatch; this catches a failure of dispatch itself.
    dispatch(routes, scheme, log, req, res).catch((err: unknown) => {
      guard.fault('http', err);
      if (!res.headersSent) res.writeHead(500, { 'Content-Length': 0 }).end();
      else res.destroy();
    });
  };
  // Only paths with an upgrade handler are upgraded; any other request that merely carries
  // an Upgrade header (h2c, say) is answered as plain HTTP by the routes.
  const shouldUpgradeCallback = (req: http.IncomingMessage): boolean => {
    const url = requestUrl(req.url, req.headers.host, scheme);
    return url !== undefined && upgrades.match('GET', url.pathname).kind === 'found';
  };
  const server = opts.tls
    ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key, shouldUpgradeCallback }, onRequest)
    : http.createServer({ shouldUpgradeCallback }, onRequest);

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      dispatchUpgrade(upgrades, upgraded, scheme, log, req, socket, head);
    } catch (err) {
      guard.fault('http', err);
      socket.destroy();
    }
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    log('info', 'http.client_error', { reason: err.code ?? err.message });
    // Unparseable requests get a plain 400 when the socket can still take one.
    if (socket.writable && err.code !== 'ECONNRESET') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    } else {
      socket.destroy();
    }
  });
  server.on('tlsClientError', (err: Error, socket: Duplex) => {
    log('warn', 'http.tls_handshake_failed', { reason: err.message });
    socket.destroy();
  });

  return {
    server,
    faults,
    route: (method, path, handler) => routes.add(method, path, handler),
    upgrade: (path, handler) => upgrades.add('GET', path, handler),
    static(urlPrefix, dir, staticOpts) {
      const prefix = urlPrefix.endsWith('/') ? urlPrefix : `${urlPrefix}/`;
      routes.add('GET', `${prefix}*`, createStaticHandler(prefix, dir, staticOpts));
      // "/trickle-ice" → "/trickle-ice/" so the page's relative links resolve inside it.
      if (prefix !== '/') {
        routes.add('GET', prefix.slice(0, -1), (_req, res, url) => {
          res.writeHead(301, { Location: prefix + url.search, 'Content-Length': 0 });
          res.end();
        });
      }
    },
    listen: () => listen(server, opts.host, opts.port, scheme, log),
    close: () => close(server, upgraded),
  };
}

async function dispatch(routes: RouteTable<Handler>, scheme: 'http' | 'https', log: WebLog,
  req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = requestUrl(req.url, req.headers.host, scheme);
  const method = req.method ?? 'GET';
  res.once('finish', () => {
    log(res.statusCode >= 500 ? 'error' : 'info', 'http.request',
      { method, path: url?.pathname ?? req.url, status: res.statusCode, remote: req.socket.remoteAddress });
  });
  if (!url) {
    sendError(res, 400, HttpErrorCode.BAD_REQUEST, 'the request target is not a path on this server');
    return;
  }
  const match = routes.match(method, url.pathname);
  if (match.kind === 'not-found') {
    sendError(res, 404, HttpErrorCode.NOT_FOUND, `nothing at ${url.pathname}`);
    return;
  }
  if (match.kind === 'method-not-allowed') {
    sendError(res, 405, HttpErrorCode.METHOD_NOT_ALLOWED,
      `${method} is not allowed on ${url.pathname}; use ${match.allow.join(', ')}`, { Allow: match.allow.join(', ') });
    return;
  }
  try {
    await match.value(req, res, url);
  } catch (err) {
    handlerFailed(log, req, res, url, err);
  }
}

function handlerFailed(log: WebLog, req: http.IncomingMessage, res: http.ServerResponse, url: URL, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  log('error', 'http.handler_failed', {
    method: req.method, path: url.pathname, code: (error as { code?: unknown }).code, reason: error.message, stack: error.stack,
  });
  if (!res.headersSent) {
    sendError(res, 500, HttpErrorCode.INTERNAL, 'the server failed to answer this request; the details are in its log');
  } else {
    // Half a response cannot be repaired; closing tells the client it is incomplete.
    res.destroy();
  }
}

function dispatchUpgrade(upgrades: RouteTable<UpgradeHandler>, upgraded: Set<Duplex>, scheme: 'http' | 'https',
  log: WebLog, req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
  upgraded.add(socket);
  socket.once('close', () => upgraded.delete(socket));
  // The handler may not listen for errors before a reset arrives; an unheard one would crash.
  socket.on('error', (err: Error) => log('info', 'http.upgrade_socket_error', { reason: err.message }));
  const url = requestUrl(req.url, req.headers.host, scheme);
  const match = url ? upgrades.match('GET', url.pathname) : undefined;
  if (!url || match?.kind !== 'found') {
    const status = !url ? '400 Bad Request' : match?.kind === 'method-not-allowed' ? '405 Method Not Allowed' : '404 Not Found';
    log('info', 'http.upgrade_refused', { path: url?.pathname ?? req.url, status });
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    return;
  }
  try {
    match.value(req, socket, head);
  } catch (err) {
    log('error', 'http.upgrade_failed', { path: url.pathname, reason: (err as Error).message, stack: (err as Error).stack });
    socket.destroy();
  }
}

function listen(server: http.Server, host: string, port: number, scheme: 'http' | 'https',
  log: WebLog): Promise<{ url: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(new TurnpikeError(ErrorCode.LISTEN_FAILED,
        `cannot listen for ${scheme.toUpperCase()} on ${host}:${port}: ${err.code ?? err.message}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.removeListener('error', onError);
      server.on('error', (err: Error) => log('error', 'http.server_error', { reason: err.message }));
      const bound = (server.address() as AddressInfo).port;
      const url = `${scheme}://${displayHost(host)}:${bound}`;
      log('info', 'http.listening', { url });
      resolve({ url, port: bound });
    });
  });
}

/** How a local client names a listening address: wildcards become loopback, IPv6 gets brackets. */
function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function close(server: http.Server, upgraded: Set<Duplex>): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
    // Upgraded sockets left the HTTP layer but still hold the listener open.
    for (const socket of upgraded) (socket as Socket).destroy();
  });
}
