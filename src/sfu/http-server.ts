/**
 * A standalone HTTP(S) server for the SFU, as ion-sfu's json-rpc binary runs one: `/ws` for
 * JSON-RPC over WebSocket (RFC 6455), and the /demo room with ion-sdk-js served from the
 * package itself. Used by `turnpike sfu` and by the browser tests.
 */
import { createWebServer } from '../http/server.ts';
import { sendRedirect } from '../http/responses.ts';
import type { SfuConfig } from './config-types.ts';
import { demoMounts } from './demo-assets.ts';
import { attachSfu, type SfuHandle } from './index.ts';
import type { SfuLog } from './signal/ws-endpoint.ts';

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

/**
 * Starts the server; resolves once it listens. Pages are served by the one hardened static
 * server (`src/http/static-files.ts`: no dotfiles, no way out of a mount, a CSP), the same as
 * `turnpike serve`'s.
 */
export async function startSfuServer(o: SfuServerOptions): Promise<SfuServer> {
  const log = o.log;
  const web = createWebServer({
    // ion-sfu's `-a :7000` listens on every address.
    host: o.host === '' ? '0.0.0.0' : o.host,
    port: o.port,
    tls: o.tls ? { cert: o.tls.cert.toString(), key: o.tls.key.toString() } : undefined,
    log: log ? (level, event, fields) => (level === 'info' ? log.debug(event, fields) : log[level](event, fields)) : undefined,
  });
  if (o.demo !== false) {
    for (const m of await demoMounts()) web.static(m.prefix, m.dir, { contentSecurityPolicy: m.contentSecurityPolicy });
    web.route('GET', '/', (_req, res) => sendRedirect(res, '/demo/'));
  }
  const sfu = attachSfu({ upgrade: (path, h) => web.upgrade(path, h), config: o.config, log: o.log });
  let listening: { url: string; port: number };
  try {
    listening = await web.listen();
  } catch (err) {
    await sfu.close();
    throw err;
  }
  return {
    sfu,
    port: listening.port,
    url: listening.url.replace(/\/$/, ''),
    close: async () => {
      await sfu.close();
      await web.close();
    },
  };
}
