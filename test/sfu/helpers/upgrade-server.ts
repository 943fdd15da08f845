/**
 * A bare HTTP server on 127.0.0.1 that routes WebSocket upgrades by path, as a host server
 * mounting the SFU does: `upgrade(path, handler)` is what `attachSfu` and
 * `attachSignalEndpoint` take; an upgrade on a path nobody registered is destroyed.
 */
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { UpgradeHandler } from '../../../src/sfu/signal/ws-endpoint.ts';

export interface UpgradeServer {
  /** registers the handler for upgrades on `path` */
  readonly upgrade: (path: string, handler: UpgradeHandler) => void;
  /** the port it listens on */
  readonly port: number;
  /** stops listening */
  close(): void;
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startUpgradeServer(): Promise<UpgradeServer> {
  const routes = new Map<string, UpgradeHandler>();
  const http = createServer();
  http.on('upgrade', (req, socket, head) => {
    const h = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (h) h(req, socket, head);
    else socket.destroy();
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    upgrade: (path, handler) => routes.set(path, handler),
    port: (http.address() as AddressInfo).port,
    close: () => http.close(),
  };
}
