/**
 * The typed configuration of Turnpike's STUN/TURN server: what `turnserver.conf` and a
 * `turnserver` command line (coturn 4.6's and 4.17's option names) turn into once parsed and checked.
 */
import type { UserDbTarget } from '../db/open.ts';

/** Where log lines go and how much is said (coturn's `log-file`, `-v`/`-V`, `syslog`). */
export interface LogOptions {
  /** a file path, `'stdout'` (coturn's `stdout` and `-`) or `'syslog'`; undefined when not set */
  file: string | undefined;
  /** coturn's `simple-log`: no rollover, the file name is used as given */
  simpleLog: boolean;
  /** coturn's `no-stdout-log`: log only to the file */
  noStdoutLog: boolean;
  /** 0 = quiet, 1 = `-v` (verbose), 2 = `-V` (Verbose) */
  verbose: 0 | 1 | 2;
  /** Turnpike's `log-format`: human-readable lines or one JSON object a line */
  format: 'text' | 'json';
}

/**
 * One `external-ip` mapping: the address advertised in XOR-RELAYED-ADDRESS (RFC 8656 §7.3)
 * for relays on `private`, or for every relay of the same family when `private` is absent.
 */
export interface ExternalIp {
  public: string;
  private?: string;
}

/**
 * A `user=` account for the long-term credential mechanism (RFC 8489 §9.2): either the
 * password, or the 16-byte key MD5(username ":" realm ":" password) given as `0x<32 hex>`.
 */
export interface StaticUser {
  name: string;
  password?: string;
  key?: Uint8Array;
}

/** coturn's TLS options. TLS listeners start only when both `cert` and `pkey` are set. */
export interface TlsOptions {
  cert: string | undefined;
  pkey: string | undefined;
  pkeyPwd: string | undefined;
  cipherList: string | undefined;
  ecCurveName: string | undefined;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  /** coturn's `CA-file`: certificates trusted for client certificates (TLS and DTLS) */
  caFile: string | undefined;
}

/** An address and port as given to `alternate-server`, `aux-server` and friends. */
export interface AddressPort {
  ip: string;
  /** 0 when the option gave none: the listening port of the matching kind */
  port: number;
}

/** The whole server configuration, camelCase names for coturn's options. */
export interface Config {
  listeningPort: number;
  tlsListeningPort: number;
  /** 0 = listening-port + 1 (RFC 5780 §4.1 alternate port) */
  altListeningPort: number;
  /** 0 = tls-listening-port + 1 */
  altTlsListeningPort: number;
  listeningIps: string[];
  relayIps: string[];
  externalIps: ExternalIp[];
  minPort: number;
  maxPort: number;
  realm: string;
  serverName: string | undefined;
  users: StaticUser[];
  ltCredMech: boolean;
  noAuth: boolean;
  useAuthSecret: boolean;
  staticAuthSecrets: string[];
  restApiSeparator: string;
  /** seconds a NONCE stays valid (RFC 8489 §9.2.4); 0 = forever */
  staleNonce: number;
  statelessNonceSecret: string | undefined;
  /** earlier `stateless-nonce-secret` values, still accepted for `stale-nonce` seconds after start (rotation) */
  statelessNoncePreviousSecrets: string[];
  maxAllocateLifetime: number;
  channelLifetime: number;
  permissionLifetime: number;
  fingerprint: boolean;
  userQuota: number;
  totalQuota: number;
  maxBps: number;
  bpsCapacity: number;
  allowedPeerIps: string[];
  deniedPeerIps: string[];
  allowLoopbackPeers: boolean;
  noMulticastPeers: boolean;
  noUdp: boolean;
  noTcp: boolean;
  noTls: boolean;
  noDtls: boolean;
  noUdpRelay: boolean;
  noTcpRelay: boolean;
  stunOnly: boolean;
  noStun: boolean;
  noStunBackwardCompatibility: boolean;
  noSoftwareAttribute: boolean;
  noRfc5780: boolean;
  responseOriginOnlyWithRfc5780: boolean;
  secureStun: boolean;
  mobility: boolean;
  /**
   * RFC 5780 NAT behaviour discovery answered (CHANGE-REQUEST, RESPONSE-PORT, OTHER-ADDRESS,
   * PADDING): off unless `rfc5780` (coturn 4.7+) is given; `no-rfc5780` keeps it off.
   */
  rfc5780: boolean;
  /** `redis-statsdb`: coturn's Redis connection string; allocation status and traffic published there (src/fleet/statsdb.ts) */
  redisStatsDb: string | undefined;
  /** `fleet-redis`: the Redis (connection string) where fleet members register, share quotas and take commands */
  fleetRedis: string | undefined;
  /** `fleet-member-name`: this member's unique name in the fleet; default hostname-pid */
  fleetMemberName: string | undefined;
  /** `fleet-advertise`: the `ip:port` clients of this member are sent to (listed in the registry) */
  fleetAdvertise: string | undefined;
  /** `fleet-heartbeat`: seconds between heartbeats; a member is gone after three missed ones */
  fleetHeartbeat: number;
  /** `fleet-redirect-at`: allocations at which this member sends new Allocates to a less-loaded member (300); 0: never */
  fleetRedirectAt: number;
  /** `fleet-redirect-margin`: allocations fewer a member must hold to be sent an Allocate */
  fleetRedirectMargin: number;
  /** `alternate-server` (repeated): Allocate over UDP/TCP answered 300 Try Alternate, round-robin */
  alternateServers: AddressPort[];
  /** `tls-alternate-server` (repeated): the same for TLS and DTLS clients */
  tlsAlternateServers: AddressPort[];
  /** `aux-server` (repeated): more UDP/TCP listening addresses, without TURN redirection */
  auxServers: AddressPort[];
  /** `udp-self-balance`: UDP Allocates on the main listeners sent on to the aux servers */
  udpSelfBalance: boolean;
  /** `oauth`: RFC 7635 third-party authorization with the user database's `oauth_key` rows */
  oauth: boolean;
  /** `tcp-proxy-port`: TCP/TLS listener whose connections start with a PROXY protocol header; 0 = none */
  tcpProxyPort: number;
  /** `udp-alternate-server` (coturn 4.7+, repeated): for UDP and DTLS clients, used instead of `alternate-server` when given */
  udpAlternateServers: AddressPort[];
  /** `tcp-alternate-server` (coturn 4.7+, repeated): for TCP clients, used instead of `alternate-server` when given */
  tcpAlternateServers: AddressPort[];
  /**
   * Relay family when an Allocate names none (RFC 8656 §7.2 says IPv4): `allocation-default-address-family`,
   * `keep-address-family` (= `keep`: the family of the client's own address)
   */
  allocationDefaultAddressFamily: 'ipv4' | 'ipv6' | 'keep';
  /** `sock-buf-size` (coturn 4.7+): receive and send buffer of UDP sockets, bytes; 0 = Turnpike's defaults */
  sockBufSize: number;
  /** `acme-redirect`: HTTP GETs of /.well-known/acme-challenge/NAME on the TURN TCP ports answered with a redirect to this URL + NAME */
  acmeRedirect: string | undefined;
  /** `respond-http-unsupported` (coturn 4.7+): HTTP requests on the STUN/TURN stream ports get 400, not silence */
  respondHttpUnsupported: boolean;
  maxPermissionsPerAllocation: number;
  maxChannelsPerAllocation: number;
  /** accept RFC 5766's channel numbers 0x4000-0x7FFF, not only RFC 8656's 0x4000-0x4FFF */
  rfc5766ChannelNumbers: boolean;
  unauthenticatedRateLimit: number;
  /** `data-plane`: what relays UDP traffic */
  dataPlane: 'auto' | 'native' | 'js';
  /** `relay-threads` / `-m`: 0 = one per CPU */
  relayThreads: number;
  unauthenticatedBurst: number;
  authenticatedSourceRateLimit: number;
  authenticatedSourceSeconds: number;
  httpPort: number;
  httpIp: string;
  apiKeys: string[];
  pidFile: string | undefined;
  /** the user database (`userdb`, `psql-userdb`, `mysql-userdb`, `redis-userdb`); undefined: none given */
  userDb: UserDbTarget | undefined;
  /** `secret-key-file`: the AES key that decrypts the password of `mysql-userdb` */
  secretKeyFile: string | undefined;
  /** `no-dynamic-ip-list`: peer ranges only from the configuration, not from the database */
  noDynamicIpList: boolean;
  /** `no-dynamic-realms`: no realms, origins or realm options from the database */
  noDynamicRealms: boolean;
  /** `check-origin-consistency` */
  checkOriginConsistency: boolean;
  /**
   * Set by `turnpike serve` only: with `use-auth-secret`, usernames that are not REST API
   * usernames are looked up as long-term users of the database (coturn lets the REST API decide alone).
   */
  databaseUsersWithAuthSecret: boolean;
  /** `data-dir` (Turnpike): where `turnpike serve` keeps its SQLite database */
  dataDir: string | undefined;
  /** `prometheus`, `prometheus-port`, `prometheus-address`, `prometheus-path`, `prometheus-username-labels` */
  prometheus: boolean;
  prometheusPort: number;
  prometheusAddress: string;
  prometheusPath: string;
  prometheusUsernameLabels: boolean;
  /** `prometheus-tls` (coturn 4.7+): the metrics endpoint over https; implies `prometheus` */
  prometheusTls: boolean;
  /** `prometheus-cert`, `prometheus-key`: PEM files of the https metrics endpoint; undefined: `cert` and `pkey` */
  prometheusCert: string | undefined;
  prometheusKey: string | undefined;
  /** `web-admin`, `web-admin-ip`, `web-admin-port` */
  webAdmin: boolean;
  webAdminIp: string;
  webAdminPort: number;
  /** `proc-user`, `proc-group`: who the process becomes once its sockets are bound */
  procUser: string | undefined;
  procGroup: string | undefined;
  /** TLS settings (coturn's `cert`, `pkey`, …): TURN over TLS and https for the web server */
  tls: TlsOptions;
  log: LogOptions;
  /** where the config came from, for messages: the file path(s) read */
  sources: string[];
}

/** Something accepted but not done as coturn would; start-up goes on and prints it. */
export interface ConfigWarning {
  /** "file:line" or "command line" */
  where: string;
  option: string;
  message: string;
}

/** A configuration ready to use, with what start-up should print before going on. */
export interface LoadedConfig {
  config: Config;
  warnings: ConfigWarning[];
}

/** One option as written in a file or on the command line, before it is checked. */
export interface ConfigEntry {
  /** the option's name without leading dashes (`min-port`), or the letter of a short option */
  name: string;
  /** the value as given (quotes removed); undefined when none was given */
  value: string | undefined;
  /** "file:line" or "command line" */
  where: string;
  /** how the user spelled it, for messages: `min-port`, `--min-port`, `-p` */
  spelled: string;
}
