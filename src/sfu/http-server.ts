/**
 * A standalone HTTP(S) server for the SFU, as ion-sfu's json-rpc binary runs one: `/ws` for
 * JSON-RPC over WebSocket (RFC 6455), and the /demo room with ion-sdk-js served from the
 * package itself. Used by `turnpike sfu` and by the browser tests.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import type { SfuConfig } from './config-types.ts';
import { demoMounts, type StaticMount } from './demo-assets.ts';
import { attachSfu, type SfuHandle } from './index.ts';
import type { SfuLog, UpgradeHandler } from './signal/ws-endpoint.ts';

/** Options of {@link startSfuServer}. */
export interface SfuServerOptions {
  readonly config: SfuConfig;
  /** host to bind ('' or '0.0.0.0' for every IPv4 address, '::' for every address) */
  readonly host: string;
  /** port, 0 for any free one */
  readonly port: number;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  readonly log?: SfuLog;
  /** serve the /demo room (default true) */
  readonly demo?: boolean;
}

/** A running standalone server. */
export interface SfuServer {
  readonly sfu: SfuHandle;
  readonly port: number;
  /** base URL, e.g. http://127.0.0.1:7000 */
  readonly url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Resolves a URL path inside a mount; undefined when it escapes the directory. */
export function resolveStatic(mounts: readonly StaticMount[], pathname: string): string | undefined {
  for (const m of mounts) {
    if (pathname !== m.prefix && !pathname.startsWith(m.prefix + '/')) continue;
    let rel = decodeURIComponent(pathname.slice(m.prefix.length));
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = normalize(join(m.dir, rel));
    if (file !== m.dir && !file.startsWith(m.dir.endsWith(sep) ? m.dir : m.dir + sep)) return undefined;
    return file;
  }
  return undefined;
}

async function serveStatic(mounts: readonly StaticMount[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/' || url.pathname === '/demo') {
    res.writeHead(302, { location: '/demo/' }).end();
    return;
  }
  let file: string | undefined;
  try {
    file = resolveStatic(mounts, url.pathname);
  } catch {
    file = undefined; // malformed percent-encoding
  }
  const info = file ? await stat(file).catch(() => undefined) : undefined;
  if (!file || !info?.isFile() || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': info.size, 'cache-control': 'no-cache' });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

/** Starts the server; resolves once it listens. */
export async function startSfuServer(o: SfuServerOptions): Promise<SfuServer> {
  const mounts = o.demo === false ? [] : await demoMounts();
  const routes = new Map<string, UpgradeHandler>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    serveStatic(mounts, req, res).catch(() => res.destroy());
  };
  const server: Server = o.tls ? createHttps({ cert: o.tls.cert, key: o.tls.key }, handler) : createHttp(handler);
  server.on('upgrade', (req, socket, head) => {
    const h = routes.get(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (h) h(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new TurnpikeError(ErrorCode.LISTEN_FAILED, `cannot listen on ${o.host || '*'}:${o.port}: ${err.message}`, { cause: err })));
    server.listen(o.port, o.host === '' ? undefined : o.host, () => resolve());
  });
  const sfu = attachSfu({ upgrade: (path, h) => routes.set(path, h), config: o.config, log: o.log });
  const port = (server.address() as AddressInfo).port;
  const shownHost = o.host === '' || o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    sfu,
    port,
    url: `${o.tls ? 'https' : 'http'}://${shownHost}:${port}`,
    close: async () => {
      await sfu.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
