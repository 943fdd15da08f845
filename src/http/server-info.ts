/**
 * `GET /api/server-info`: what the self-hosted pages (the trickle-ICE check) need to
 * pre-fill themselves: this server's `stun:` and `turn:` URIs (RFC 7064, RFC 7065), its
 * realm (RFC 8489 §14.9) and Turnpike's version. Nothing secret.
 */
import { sendJson } from './responses.ts';
import type { WebServer } from './server.ts';

/** Where the route is mounted. */
export const SERVER_INFO_PATH = '/api/server-info';

/** The response body. */
export interface ServerInfo {
  stun: string[];
  turn: string[];
  realm: string;
  version: string;
}

/** Mounts `GET /api/server-info` on `web`, answering `info`. */
export function registerServerInfoRoute(web: WebServer, info: ServerInfo): void {
  const body: ServerInfo = { stun: [...info.stun], turn: [...info.turn], realm: info.realm, version: info.version };
  web.route('GET', SERVER_INFO_PATH, (_req, res) => {
    sendJson(res, 200, body, { 'Cache-Control': 'no-cache' });
  });
}
