/**
 * Mounts Turnpike's self-hosted pages: `/trickle-ice/` (the ICE gathering check operators
 * use to prove STUN, RFC 8489, and TURN, RFC 8656, work) and `/common/` (their shared
 * styles and scripts). Everything is served from `public/`; nothing comes from a CDN.
 */
import { fileURLToPath } from 'node:url';
import { sendRedirect } from './responses.ts';
import type { WebServer } from './server.ts';

/** The `public/` folder shipped with Turnpike. */
export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

/** Where the trickle-ICE page lives. */
export const TRICKLE_ICE_PATH = '/trickle-ice/';

/**
 * Serves `/trickle-ice/` and `/common/` from `publicDir`; with `redirectRoot`, `/` leads
 * to the trickle-ICE page (leave it off when something else owns `/`).
 */
export function registerPages(web: WebServer, opts: { publicDir?: string; redirectRoot?: boolean } = {}): void {
  const dir = opts.publicDir ?? PUBLIC_DIR;
  web.static(TRICKLE_ICE_PATH, `${dir}/trickle-ice`);
  web.static('/common/', `${dir}/common`);
  if (opts.redirectRoot ?? true) {
    web.route('GET', '/', (_req, res) => sendRedirect(res, TRICKLE_ICE_PATH));
  }
}
