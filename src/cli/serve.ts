/**
 * `turnpike serve [coturn options]`: everything on embedded defaults — STUN/TURN on 3478
 * (UDP and TCP), the web pages and API on 127.0.0.1:7000 (`/trickle-ice`,
 * `/api/server-info`, `/api/turn-credentials`). Without a credential mechanism it keeps its
 * credentials in an SQLite database under `data-dir`: a TURN REST secret generated on first
 * start (the web API mints credentials with it; it answers without an API key only while it
 * listens on loopback, the demo mode) and any users added with `turnpike turnadmin -a -b`.
 * Never an open relay.
 */
import { join } from 'node:path';
import { loadTurnserverConfig, turnserverUsage, type Config, type LoadedConfig } from '../config/index.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { parseIpAddress } from '../net/ip-parse.ts';
import { createWebServer, type WebServer } from '../http/server.ts';
import { registerPages } from '../http/pages.ts';
import { iceUris } from '../http/ice-uris.ts';
import { registerServerInfoRoute } from '../http/server-info.ts';
import { registerAuthFailuresRoute } from '../http/auth-failures.ts';
import { registerTurnCredentialsRoute } from '../http/turn-credentials.ts';
import type { Logger } from '../log/logger.ts';
import { SOFTWARE, VERSION, type RunningTurnServer } from '../server/turn-server.ts';
import { tlsServerOptions } from '../server/tls-context.ts';
import { startFromConfig, stopServer, untilSignal } from './turnserver.ts';
import { defaultDataDir, embeddedCredentials, SERVE_DB_FILE } from './serve-data.ts';
import { startServices, stopServices, type Service } from '../server/services.ts';
import { dropPrivileges } from '../server/privileges.ts';
import { handleReloadSignals } from './reload.ts';

/** Lifetime of credentials handed out by `/api/turn-credentials` (draft-uberti-behave-turn-rest suggests a day). */
const CREDENTIAL_TTL = 86_400;

/** Is this a loopback address (the web API's demo mode)? */
export function isLoopback(ip: string): boolean {
  if (ip === 'localhost') return true;
  const a = parseIpAddress(ip);
  if (a?.family === 'IPv4') return a.bytes[0] === 127;
  // ::1 however it is spelled (RFC 4291 §2.5.3).
  return a !== undefined && a.bytes[15] === 1 && a.bytes.subarray(0, 15).every((b) => b === 0);
}

/**
 * Loads the config the way `serve` does: no default config file unless `-c` names one, and,
 * when no credential mechanism is configured, `embedded` credentials: the REST API and the
 * users of the data directory's database (see `serve-data.ts`; `serve` reads it before starting).
 */
export function loadServeConfig(argv: string[]): LoadedConfig & { help: boolean; version: boolean; embedded: boolean } {
  const named = argv.some((a) => a === '-c' || a.startsWith('-c') || a.startsWith('--c='));
  // A realm is needed by every client that authenticates; the command line may still set its own.
  const base = named ? argv : ['-n', '--realm=turnpike', ...argv];
  try {
    return { ...loadTurnserverConfig(base), embedded: false };
  } catch (err) {
    if (!(err instanceof TurnpikeError) || err.code !== ErrorCode.OPEN_RELAY_REFUSED) throw err;
    const loaded = loadTurnserverConfig([...base, '--use-auth-secret', `--userdb=${SERVE_DB_FILE}`]);
    const config = loaded.config;
    config.userDb = { kind: 'sqlite', connection: join(config.dataDir ?? defaultDataDir(), SERVE_DB_FILE) };
    config.databaseUsersWithAuthSecret = true;
    return { ...loaded, embedded: true };
  }
}

/** The host name clients should use for this server's STUN/TURN URIs. */
export function publicHost(config: Config, relayIp: string | undefined): string {
  if (config.externalIps.length > 0) return config.externalIps[0].public;
  const specific = config.listeningIps.find((ip) => ip !== '0.0.0.0' && ip !== '::');
  if (specific !== undefined) return specific;
  if (isLoopback(config.httpIp)) return '127.0.0.1';
  return relayIp ?? '127.0.0.1';
}

/** Mounts the pages and APIs of the STUN/TURN server on the web server. */
export function mountTurnApi(web: WebServer, config: Config, server: RunningTurnServer, log: Logger, mintSecret = config.staticAuthSecrets[0]): { demo: boolean; uris: string[] } {
  const { stun, turn } = iceUris({
    host: publicHost(config, server.relays[0]?.advertisedIp),
    port: config.listeningPort,
    udp: !config.noUdp,
    tcp: !config.noTcp,
  });
  registerPages(web);
  registerServerInfoRoute(web, { stun, turn, realm: config.realm, version: VERSION });
  registerAuthFailuresRoute(web, (address, since) => server.recentAuthFailures(address, since));
  const demo = isLoopback(config.httpIp) && config.apiKeys.length === 0;
  if (config.useAuthSecret && mintSecret !== undefined) {
    registerTurnCredentialsRoute(web, {
      secret: mintSecret,
      ttlSeconds: CREDENTIAL_TTL,
      uris: [...stun, ...turn],
      apiKeys: config.apiKeys,
      openWithoutKey: demo,
      separator: config.restApiSeparator,
    });
  } else {
    log.info('turn-credentials-api-off', { why: 'the TURN REST API needs use-auth-secret with a static-auth-secret' });
  }
  return { demo, uris: [...stun, ...turn] };
}

/** The `serve` command. */
export async function serve(argv: string[], serving: () => void = () => {}): Promise<number> {
  const loaded = loadServeConfig(argv);
  if (loaded.help) {
    process.stdout.write(
      'Usage: turnpike serve [turnserver options]\n\nRuns STUN/TURN and the web pages/API with embedded defaults.\n' +
        'Every turnserver option below applies; -n is implied unless -c FILE is given.\n\n' +
        turnserverUsage('turnpike serve') +
        '\n',
    );
    return 0;
  }
  if (loaded.version) {
    process.stdout.write(SOFTWARE + '\n');
    return 0;
  }
  const config = loaded.config;
  let mintSecret: string | undefined;
  let generated = false;
  if (loaded.embedded && config.userDb !== undefined) {
    const dataDir = config.dataDir ?? defaultDataDir();
    const embedded = await embeddedCredentials(dataDir, config.realm);
    mintSecret = embedded.secret;
    generated = embedded.generated;
  }
  // SIGHUP is answered from the start (reload handlers come once the server runs): never fatal.
  const signalled = untilSignal();
  const { server, log } = await startFromConfig(config, loaded.warnings);
  const unhook = handleReloadSignals(server, log, () => loadServeConfig(argv).config);
  const tls = tlsServerOptions(config.tls);
  const web = createWebServer({
    host: config.httpIp,
    port: config.httpPort,
    // The certificate of the TURN TLS listener serves the pages too (https).
    tls: tls ? { cert: String(tls.cert), key: String(tls.key) } : undefined,
    log: (level, event, fields) => log.log(level, event, fields),
  });
  let sfuClose: (() => Promise<void>) | undefined;
  let services: Service[] = [];
  try {
    services = await startServices(config, server, log);
    const { demo, uris } = mountTurnApi(web, config, server, log, mintSecret ?? config.staticAuthSecrets[0]);
    sfuClose = await mountSfu(web, log, config.httpIp);
    const { url } = await web.listen();
    log.info('web', { url, pages: `${url.replace(/\/$/, '')}/trickle-ice/`, demo });
    if (loaded.embedded) {
      log.info('data', {
        database: config.userDb?.connection,
        secret: generated ? 'generated now and stored' : 'read from the database',
        'add-users': `turnpike turnadmin -a -b ${config.userDb?.connection} -r ${config.realm} -u NAME -p PASSWORD`,
      });
      log.info('turn-credentials', {
        how: `GET ${url.replace(/\/$/, '')}/api/turn-credentials?service=turn&username=NAME`,
        note: demo ? 'demo mode: open on loopback without an API key' : 'needs an api-key',
      });
    }
    log.info('ice-servers', { uris: uris.join(' ') });
    // Every port is bound now: the web page, the admin page, metrics, STUN/TURN and relays.
    dropPrivileges(config, log);
    serving();
  } catch (err) {
    await stopServices(services);
    await web.close().catch(() => {});
    await stopServer(server, log, config, 'start-failed');
    throw err;
  }
  const sig = await signalled;
  unhook();
  await stopServices(services);
  await sfuClose?.();
  await web.close();
  await stopServer(server, log, config, sig);
  return 0;
}

/**
 * Mounts the SFU on the same web server: ion-sfu's JSON-RPC on `/ws` (ion-sdk-js connects to
 * `ws://host:7000/ws` unchanged) and the demo room on `/demo/`. Uses ion-sfu's defaults, or the
 * `config.toml` named by TURNPIKE_SFU_CONFIG. Join tokens as `turnpike sfu` takes them: the
 * secret from TURNPIKE_SFU_JWT_SECRET or the file's `[auth] jwtsecret`.
 */
async function mountSfu(web: WebServer, log: Logger, host: string): Promise<() => Promise<void>> {
  const { attachSfu, demoMounts, loadSfuConfig, defaultSfuConfig, shutdownWebrtc } = await import('../sfu/index.ts');
  const { withOverrides } = await import('../sfu/config.ts');
  const { JWT_SECRET_ENV } = await import('./sfu-token.ts');
  const { isLoopbackHost } = await import('./sfu.ts');
  const file = process.env.TURNPIKE_SFU_CONFIG;
  const base = file ? await loadSfuConfig(file) : defaultSfuConfig();
  const jwtSecret = process.env[JWT_SECRET_ENV] || base.auth.jwtSecret;
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < 32) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `${JWT_SECRET_ENV}: expected at least 32 bytes (RFC 7518 §3.2)`);
  }
  const config = withOverrides(base, { auth: { jwtSecret } });
  if (jwtSecret === undefined && !isLoopbackHost(host)) {
    log.warn('sfu.auth.open', { host, why: `listening beyond loopback without ${JWT_SECRET_ENV} or [auth] jwtsecret: anyone who reaches /ws joins any room` });
  }
  const sfu = attachSfu({ upgrade: (path, handler) => web.upgrade(path, handler), config, log });
  for (const m of await demoMounts()) web.static(m.prefix, m.dir, { contentSecurityPolicy: m.contentSecurityPolicy });
  log.info('sfu', { signalling: '/ws', demo: '/demo/', config: file ?? 'ion-sfu defaults' });
  return async () => {
    await sfu.close();
    shutdownWebrtc();
  };
}
