/**
 * The admin page and its JSON API (`web-admin`, `web-admin-ip`, `web-admin-port`): live
 * sessions, users, secrets, realm options, authentication failures, the configuration.
 *
 * It is served over https when `cert` and `pkey` are set; over plain http only on a loopback
 * address, since the login and the session cookie would otherwise cross the network in the
 * clear. The page is static (src/admin/page/, no inline script, served with the project's
 * Content-Security-Policy); everything it shows comes from the API under `/api/admin/`.
 */
import { createPrivateKey } from 'node:crypto';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/types.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { createWebServer } from '../http/server.ts';
import type { Logger } from '../log/logger.ts';
import { tlsServerOptions } from '../server/tls-context.ts';
import type { RunningTurnServer } from '../server/turn-server.ts';
import type { Service } from '../server/services.ts';
import { AdminAuth } from './admin-auth.ts';
import type { AdminContext } from './api-common.ts';
import { AuthFailureRing } from './auth-failures.ts';
import { registerDatabaseRoutes } from './routes-db.ts';
import { registerLiveRoutes } from './routes-live.ts';
import { registerFleetRoutes } from './routes-fleet.ts';
import { SessionSampler } from './sessions-view.ts';

/** The page's files. */
export const ADMIN_PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

/** Whether `ip` is a loopback address (127.0.0.0/8, ::1, IPv4-mapped 127.x). */
export function isLoopback(ip: string): boolean {
  const v4 = ip.toLowerCase().replace(/^::ffff:/, '');
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return isIP(ip) === 6 && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(ip.toLowerCase());
}

/** The certificate and key for https, the key decrypted with `pkey-pwd` when it is encrypted. */
function httpsMaterial(config: Config): { cert: string; key: string } | undefined {
  const tls = tlsServerOptions(config.tls);
  if (!tls) return undefined;
  const key = createPrivateKey({ key: tls.key as Buffer, passphrase: tls.passphrase })
    .export({ type: 'pkcs8', format: 'pem' }).toString();
  return { cert: (tls.cert as Buffer).toString(), key };
}

/** Starts the admin page when `web-admin` is set; undefined otherwise. */
export async function startAdmin(config: Config, server: RunningTurnServer, log: Logger): Promise<Service | undefined> {
  if (!config.webAdmin) return undefined;
  const tls = httpsMaterial(config);
  if (!tls && !isLoopback(config.webAdminIp)) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID,
      `web-admin: refusing to serve the admin page over plain http on ${config.webAdminIp}: logins and session cookies `
      + 'would cross the network unencrypted. Set cert and pkey to serve it over https, or use web-admin-ip=127.0.0.1 '
      + '(and an SSH tunnel or a TLS-terminating proxy).');
  }
  if (config.apiKeys.length === 0 && !server.db) {
    log.warn('admin.no_login', { hint: 'nobody can log in to the admin page: configure a user database with an admin_user (turnadmin -A) or an api-key' });
  }
  const now = Date.now;
  const failures = new AuthFailureRing();
  const unsubscribe = server.onEvent((name, fields) => failures.onEvent(name, fields, now()));
  const ctx: AdminContext = {
    // What a reload applied shows at once (the realm, users, limits); api keys need a restart.
    get config() {
      return server.currentConfig();
    },
    server, log, failures, now,
    auth: new AdminAuth({ db: server.db, apiKeys: config.apiKeys, secure: tls !== undefined }),
    sampler: new SessionSampler(server.plane.traffic ? (id) => server.plane.traffic!(id) : undefined),
  };
  const web = createWebServer({
    host: config.webAdminIp,
    port: config.webAdminPort,
    tls,
    log: (level, event, fields) => log.log(level === 'info' ? 'debug' : level, `admin.${event}`, fields),
  });
  registerLiveRoutes(web, ctx);
  registerDatabaseRoutes(web, ctx);
  registerFleetRoutes(web, ctx);
  web.static('/', ADMIN_PAGE_DIR);
  try {
    const { url } = await web.listen();
    log.info('admin.listening', { url });
  } catch (err) {
    unsubscribe();
    throw err;
  }
  return {
    name: 'web-admin',
    close: async () => {
      unsubscribe();
      await web.close();
    },
  };
}
