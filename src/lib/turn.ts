/**
 * `startTurnServer(options)`: a STUN/TURN server (RFC 8489, RFC 8656) started from plain
 * options, as pion/turn's `NewServer` is, for a Node program that embeds Turnpike. The options
 * map onto the same `Config` that `turnserver.conf` fills (src/config/defaults.ts), so every
 * default is coturn's; `config` sets any other of its fields directly.
 */
import { defaultConfig } from '../config/defaults.ts';
import type { Config, ExternalIp } from '../config/types.ts';
import { createStaticCredentialStore } from '../auth/credential-store.ts';
import { createHookCredentialStore, type AuthHandler, type PermissionHandler } from '../auth/hook-credential-store.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { loggerAround, type LogFields, type Logger, type LogLevel } from '../log/logger.ts';
import { startTurnServer as startConfigured } from '../server/turn-server.ts';

export type { AuthHandler, ClientSource, PeerAddress, PermissionHandler } from '../auth/hook-credential-store.ts';
export type { LogFields, LogLevel } from '../log/logger.ts';

/** One line of the server's log: `event` is a stable name (`allocation-created`, `auth-failed`, …). */
export type LogFunction = (level: LogLevel, event: string, fields: LogFields) => void;

/** What {@link startTurnServer} takes. Only `realm` is required (and a way to authenticate). */
export interface TurnServerOptions {
  /** `realm` (RFC 8489 §9.2): the long-term credentials' realm */
  realm: string;
  /** `listening-ip`: addresses to listen on; default every IPv4 and IPv6 address */
  listeningIps?: string[];
  /** `listening-port` (UDP and TCP); default 3478 */
  port?: number;
  /** `relay-ip`: addresses relayed traffic leaves from; default the host's first public IPv4 and IPv6 */
  relayIps?: string[];
  /** `external-ip`: the public address advertised for a relay address behind NAT (`'203.0.113.4'` or `{ public, private }`) */
  externalIps?: (string | ExternalIp)[];
  /** `min-port`, `max-port`: the relay port range; default 49152–65535 */
  minPort?: number;
  maxPort?: number;
  /** `user=name:password` lines: `{ alice: 'secret' }`, or a 16-byte long-term key for a password */
  users?: Record<string, string | Uint8Array>;
  /** `use-auth-secret` + `static-auth-secret`: TURN REST API credentials; several secrets for rotation */
  authSecret?: string | string[];
  /**
   * pion/turn's AuthHandler: the password (or 16-byte long-term key) of a user, at once or as a
   * promise; `undefined` for an unknown user. Asked first; `users` and `authSecret` answer for
   * the users it does not know. Called only for a request whose NONCE and REALM are good.
   */
  authHandler?: AuthHandler;
  /**
   * pion/turn's PermissionHandler: whether an authenticated client may reach a peer, at once or as
   * a promise; asked per peer of each CreatePermission and ChannelBind request (403 when false),
   * on top of the peer ranges refused by default. Never asked on the relay path.
   */
  permissionHandler?: PermissionHandler;
  /** `no-auth`: an open relay, anyone may allocate. Off unless set. */
  noAuth?: boolean;
  /** `allowed-peer-ip`, `denied-peer-ip`, `allow-loopback-peers` */
  allowedPeerIps?: string[];
  deniedPeerIps?: string[];
  allowLoopbackPeers?: boolean;
  /** `no-udp`, `no-tcp`: which client transports listen (TLS needs `config.tls`) */
  udp?: boolean;
  tcp?: boolean;
  /** `data-plane`: `native` (C, Linux), `js`, or `auto` (native when built); default `auto` */
  dataPlane?: Config['dataPlane'];
  /** where log lines go; default: warnings and errors to stderr */
  logger?: LogFunction;
  /** the most detailed level passed to `logger`; default `info` */
  logLevel?: LogLevel;
  /** any other `Config` field, in camelCase (e.g. `{ userQuota: 10, maxBps: 500000 }`); applied last */
  config?: Partial<Config>;
}

/** A running server. */
export interface TurnServer {
  /** what listens, e.g. `{ protocol: 'udp', ip: '0.0.0.0', port: 3478 }` */
  readonly listeners: readonly { protocol: string; ip: string; port: number }[];
  /** relay addresses and the address advertised for each */
  readonly relays: readonly { ip: string; advertisedIp: string }[];
  /** which data plane relays: `native` or `js` */
  readonly dataPlane: string;
  /**
   * Subscribes to the server's events as they happen (`allocation-created`, `allocation-deleted`,
   * `auth-failed`, `peer-denied`, …); returns the unsubscribe function. Listeners must not throw.
   */
  onEvent(listener: (name: string, fields: Record<string, unknown>) => void): () => void;
  /** stops listening and relaying, and releases every port */
  close(): Promise<void>;
}

const LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug', 'trace'];

function stderrLog(level: LogLevel, event: string, fields: LogFields): void {
  if (level === 'error' || level === 'warn') process.stderr.write(`turnpike ${level}: ${event} ${JSON.stringify(fields)}\n`);
}

/** A `Logger` that hands every line up to `max` to `fn`. */
export function loggerFrom(fn: LogFunction, max: LogLevel = 'info'): Logger {
  const rank = LEVELS.indexOf(max);
  const enabled = (level: LogLevel): boolean => LEVELS.indexOf(level) <= rank;
  return loggerAround((level, event, fields) => {
    if (enabled(level)) fn(level, event, fields ?? {});
  }, enabled);
}

/** The `Config` the options stand for (exported for tests and for checking a set-up). */
export function configFromOptions(opts: TurnServerOptions): Config {
  const config = defaultConfig();
  config.realm = opts.realm;
  if (opts.listeningIps) config.listeningIps = [...opts.listeningIps];
  if (opts.port !== undefined) config.listeningPort = opts.port;
  if (opts.relayIps) config.relayIps = [...opts.relayIps];
  if (opts.externalIps) config.externalIps = opts.externalIps.map((e) => (typeof e === 'string' ? { public: e } : { ...e }));
  if (opts.minPort !== undefined) config.minPort = opts.minPort;
  if (opts.maxPort !== undefined) config.maxPort = opts.maxPort;
  config.users = Object.entries(opts.users ?? {}).map(([name, p]) => (typeof p === 'string' ? { name, password: p } : { name, key: Uint8Array.from(p) }));
  const secrets = opts.authSecret === undefined ? [] : typeof opts.authSecret === 'string' ? [opts.authSecret] : [...opts.authSecret];
  config.useAuthSecret = secrets.length > 0;
  config.staticAuthSecrets = secrets;
  config.ltCredMech = !opts.noAuth;
  config.noAuth = opts.noAuth === true;
  if (opts.allowedPeerIps) config.allowedPeerIps = [...opts.allowedPeerIps];
  if (opts.deniedPeerIps) config.deniedPeerIps = [...opts.deniedPeerIps];
  if (opts.allowLoopbackPeers !== undefined) config.allowLoopbackPeers = opts.allowLoopbackPeers;
  if (opts.udp === false) config.noUdp = true;
  if (opts.tcp === false) config.noTcp = true;
  // TLS listens only when `config.tls` names a certificate and key.
  config.noTls = opts.config?.tls?.cert === undefined || opts.config.tls.pkey === undefined;
  config.noDtls = true;
  if (opts.dataPlane !== undefined) config.dataPlane = opts.dataPlane;
  config.sources = ['library options'];
  return { ...config, ...opts.config };
}

function invalid(message: string): TurnpikeError {
  return new TurnpikeError(ErrorCode.CONFIG_INVALID, message);
}

/**
 * Starts a STUN/TURN server from `options`, listening once the promise resolves. Rejects with a
 * `TurnpikeError` (`code` CONFIG_INVALID for bad options, LISTEN_FAILED when a port is taken).
 */
export async function startTurnServer(options: TurnServerOptions): Promise<TurnServer> {
  if (typeof options?.realm !== 'string' || options.realm === '') throw invalid('realm is required');
  const config = configFromOptions(options);
  if (config.minPort > config.maxPort) throw invalid(`minPort ${config.minPort} is above maxPort ${config.maxPort}`);
  if (config.userDb !== undefined) throw invalid('a user database (config.userDb) is not available through the library API; use authHandler');
  const hasCredentials = options.authHandler !== undefined || config.users.length > 0 || config.staticAuthSecrets.length > 0;
  if (!hasCredentials && !config.noAuth && !config.stunOnly) {
    throw invalid('no way to authenticate: give authHandler, users or authSecret (or noAuth: true for an open relay)');
  }
  // The users and REST secrets answer through the same store as the hooks (coturn ignores
  // users when the REST API decides; so does this).
  const fallback = createStaticCredentialStore({
    users: config.useAuthSecret ? [] : config.users,
    realm: config.realm,
    useAuthSecret: config.useAuthSecret,
    staticAuthSecrets: config.staticAuthSecrets,
    restApiSeparator: config.restApiSeparator,
  });
  const store = createHookCredentialStore({ authHandler: options.authHandler, fallback });
  const logger = loggerFrom(options.logger ?? stderrLog, options.logger ? (options.logLevel ?? 'info') : 'warn');
  const running = await startConfigured(config, { logger, store, permitPeer: options.permissionHandler });
  return {
    listeners: running.listeners.map((l) => ({ ...l })),
    relays: running.relays.map((r) => ({ ...r })),
    dataPlane: running.plane.kind,
    onEvent: (listener) => running.onEvent(listener),
    close: () => running.close(),
  };
}
