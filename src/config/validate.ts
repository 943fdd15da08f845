/**
 * Checks that span several options, once every entry is applied: port range order,
 * conflicting switches, coturn's implied settings, and the refusal to run an open relay
 * (RFC 8656 §21.3 warns against relays anyone can use).
 */

import { COMMAND_LINE, invalid } from './messages.ts';
import type { ResolveState } from './resolve.ts';
import type { Config } from './types.ts';
import { applyDefaultUserDb } from './user-db-default.ts';
import { finishNewerOptions } from './newer-options.ts';

/** Applies coturn's implied settings and reports conflicts into `state`. */
export function finishConfig(state: ResolveState): void {
  const { config } = state.target;
  const fallback = config.sources[0] ?? COMMAND_LINE;
  const at = (...names: string[]): string => names.map((n) => state.seen.get(n)).find((w) => w !== undefined) ?? fallback;
  const problem = (where: string, text: string) => state.problems.push(invalid(where, text));
  const warn = (option: string, message: string) => state.warnings.push({ where: at(option), option, message });

  if (state.target.syslog) config.log.file = 'syslog';
  finishNewerOptions(state, warn);
  if (config.minPort > config.maxPort && !state.failed.has('min-port') && !state.failed.has('max-port')) {
    problem(at('max-port', 'min-port'), `min-port (${config.minPort}) is greater than max-port (${config.maxPort})`);
  }
  if (config.noAuth && (config.ltCredMech || config.useAuthSecret)) {
    const other = config.useAuthSecret ? 'use-auth-secret/static-auth-secret' : 'lt-cred-mech';
    problem(at('no-auth'), `options 'no-auth' and '${other}' cannot be used together: choose anonymous access or credentials`);
  }
  if (applyDefaultUserDb(config)) {
    warn('userdb', `no user database is named: reading coturn's default one, ${config.userDb?.connection}`);
  }
  if (config.useAuthSecret && config.staticAuthSecrets.length === 0 && config.userDb === undefined) {
    problem(at('use-auth-secret'), "option 'use-auth-secret' needs a 'static-auth-secret', or a user database that holds the secrets (turnadmin -s)");
  }
  if (config.userDb !== undefined && !config.noAuth && !config.ltCredMech && !config.useAuthSecret) {
    // coturn would run anonymously here; a database of users means credentials are wanted.
    config.ltCredMech = true;
    warn(config.userDb.kind === 'sqlite' ? 'userdb' : `${config.userDb.kind === 'postgresql' ? 'psql' : config.userDb.kind}-userdb`, "'lt-cred-mech' is turned on because a user database is given");
  }
  if (config.bpsCapacity > 0 && config.maxBps === 0) {
    problem(at('bps-capacity'), "option 'bps-capacity' needs 'max-bps' too, as in coturn");
  }
  if (config.noUdpRelay && config.noTcpRelay) {
    problem(at('no-tcp-relay', 'no-udp-relay'), "options 'no-udp-relay' and 'no-tcp-relay' cannot be used together: no relay would be left");
  }
  if (config.stunOnly && config.noStun) {
    problem(at('no-stun', 'stun-only'), "options 'stun-only' and 'no-stun' cannot be used together: the server would answer nothing");
  }
  if (config.externalIps.filter((e) => e.private === undefined).length > 1) {
    problem(at('external-ip'), "option 'external-ip' is given more than once without '/PRIVATE': map several addresses with 'PUBLIC/PRIVATE' pairs");
  }
  if ((config.tls.cert === undefined) !== (config.tls.pkey === undefined)) {
    problem(at('cert', 'pkey'), "options 'cert' and 'pkey' go together: TLS needs both the certificate chain and its private key");
  }
  for (const mapping of config.externalIps) {
    // coturn lets relays reach their own private address, so that peers on the same server can talk.
    if (mapping.private !== undefined && !config.allowedPeerIps.includes(mapping.private)) config.allowedPeerIps.push(mapping.private);
  }
  impliedCredentials(config, warn);
  if (config.allowLoopbackPeers) warn('allow-loopback-peers', 'loopback peers are allowed: use this for testing only');
  if (config.noAuth) warn('no-auth', 'anonymous access: anyone who can reach this server can relay through it');
}

/** coturn's quiet fix-ups of the credential options, made loud. */
function impliedCredentials(config: Config, warn: (option: string, message: string) => void): void {
  if (config.users.length > 0 && config.noAuth) {
    warn('user', "user accounts are ignored because 'no-auth' is set");
  } else if (config.users.length > 0 && config.useAuthSecret) {
    warn('user', "user accounts are ignored because 'use-auth-secret' is set: the shared secret decides");
  } else if (config.users.length > 0 && !config.ltCredMech) {
    config.ltCredMech = true;
    warn('user', "'lt-cred-mech' is turned on because user accounts are given");
  }
  if (config.ltCredMech && config.useAuthSecret && config.users.length === 0) {
    warn('lt-cred-mech', "'lt-cred-mech' and 'use-auth-secret' are both set: the shared secret decides");
  }
  if ((config.ltCredMech || config.useAuthSecret) && !config.noAuth && config.realm === '') {
    warn('realm', "no 'realm' is set: clients will be sent an empty REALM; set 'realm=' to your domain");
  }
}

/**
 * The open-relay refusal: unless `no-auth` or `stun-only`, some credential must exist —
 * a `user`, or `use-auth-secret` with a `static-auth-secret`. Returns the explanation, or
 * undefined when the configuration is safe.
 */
export function openRelayProblem(config: Config): string | undefined {
  if (config.noAuth || config.stunOnly) return undefined;
  if (config.users.length > 0) return undefined;
  if (config.useAuthSecret && config.staticAuthSecrets.length > 0) return undefined;
  // A user database holds the credentials: every request must match one of its rows.
  if (config.userDb !== undefined) return undefined;
  const why = config.ltCredMech
    ? "'lt-cred-mech' is set but no user is defined, and no user database is given"
    : 'no credential mechanism is configured';
  return [
    `Turnpike refuses to run an open relay: ${why}. Choose one of:`,
    "  - long-term credentials: add 'user=NAME:PASSWORD' (or 'user=NAME:0xKEY') and 'lt-cred-mech'",
    "  - a user database: add 'userdb=FILE' (SQLite), 'psql-userdb=…', 'mysql-userdb=…' or 'redis-userdb=…' and 'lt-cred-mech'",
    "  - the TURN REST API: add 'use-auth-secret' and 'static-auth-secret=SECRET'",
    "  - anonymous access, if that is really wanted: add 'no-auth' explicitly",
  ].join('\n');
}
