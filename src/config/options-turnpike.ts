/**
 * Option table rows that coturn does not have: Turnpike's own settings, and the
 * command-line switches that pick the configuration file.
 */

import { Area, flag, OptionStatus as S, valued, type OptionSpec } from './option-spec.ts';
import { addressPort, bindAddress, integer, oneOf, port, text } from './values.ts';

const area = Area.Turnpike;
const turnpikeOnly = true;

/** `-c`, `-n`, `-h` and `--version`: they choose what is read, they set nothing. */
export const commandLineOptions: readonly OptionSpec[] = [
  valued({
    name: 'c', short: 'c', area: Area.CommandLine, cliOnly: true, type: text('<file>', 'a file path'), default: 'turnserver.conf',
    meaning: 'configuration file to read',
    status: S.Supported, note: 'a relative name is also looked for in etc/, ../etc/, /etc/, /etc/coturn/ and /usr/local/etc/, as coturn does',
  }),
  flag({
    name: 'n', short: 'n', area: Area.CommandLine, cliOnly: true, none: true,
    meaning: 'read no configuration file, only the command line',
    status: S.Supported,
  }),
  flag({
    name: 'help', short: 'h', area: Area.CommandLine, cliOnly: true, none: true,
    meaning: 'print the option list and exit',
    status: S.Supported, note: "coturn has only '-h'; '--help' is Turnpike's",
  }),
  flag({
    name: 'version', area: Area.CommandLine, cliOnly: true,
    meaning: 'print the version and exit',
    status: S.Supported,
  }),
];

/** Options only Turnpike has. */
export const turnpikeOptions: readonly OptionSpec[] = [
  valued({
    name: 'stateless-nonce-secret', area, turnpikeOnly, secret: true, repeatable: true, type: text('<secret>', 'a non-empty secret'), default: 'a random secret per process',
    meaning: 'key that signs NONCE values (RFC 8489 §9.2), so every server of a fleet sharing it accepts the others\' nonces; repeat it to rotate: the first signs, the others are still accepted for stale-nonce seconds after start',
    status: S.Supported,
    set: (t, v) => {
      if (t.config.statelessNonceSecret === undefined) t.config.statelessNonceSecret = v;
      else t.config.statelessNoncePreviousSecrets.push(v);
    },
  }),
  valued({
    name: 'data-dir', area, turnpikeOnly, type: text('<directory>', 'a directory path'), default: '/var/lib/turnpike as root, else $XDG_STATE_HOME/turnpike or ~/.local/state/turnpike',
    meaning: "where 'turnpike serve' keeps its SQLite user database (turnpike.db: users, the generated REST secret); 'turnpike turnserver' does not use it",
    status: S.Supported, set: (t, v) => { t.config.dataDir = v; },
  }),
  valued({
    name: 'data-plane', area, turnpikeOnly, type: oneOf(['auto', 'native', 'js']), default: 'auto',
    meaning: "what relays UDP traffic: 'native' (the addon built at install: threads, batched system calls, no JavaScript per datagram), 'js' (Node's dgram), or 'auto' (native when it was built, js otherwise, saying why at start-up)",
    status: S.Supported, set: (t, v) => { t.config.dataPlane = v; },
  }),
  valued({
    name: 'log-format', area, turnpikeOnly, type: oneOf(['text', 'json']), default: 'text',
    meaning: "log lines as text, or as one JSON object a line ('json')",
    status: S.Supported, set: (t, v) => { t.config.log.format = v; },
  }),
  flag({
    name: 'rfc5766-channel-numbers', area, turnpikeOnly,
    meaning: 'accept channel numbers 0x4000-0x7FFF as RFC 5766 did (coturn does; its turnutils_uclient picks from that range) instead of RFC 8656\'s 0x4000-0x4FFF',
    status: S.Supported, set: (t, on) => { t.config.rfc5766ChannelNumbers = on; },
  }),
  valued({
    name: 'max-permissions-per-allocation', area, turnpikeOnly, type: integer(1, 65535), default: '64',
    meaning: 'most peer permissions (RFC 8656 §9) one allocation may hold; more are refused with 508',
    status: S.Supported, set: (t, v) => { t.config.maxPermissionsPerAllocation = v; },
  }),
  valued({
    name: 'max-channels-per-allocation', area, turnpikeOnly, type: integer(1, 4096), default: '64',
    meaning: 'most channel bindings (RFC 8656 §12) one allocation may hold; more are refused with 508',
    status: S.Supported, set: (t, v) => { t.config.maxChannelsPerAllocation = v; },
  }),
  valued({
    name: 'unauthenticated-rate-limit', area, turnpikeOnly, type: integer(0, 1_000_000), default: '20',
    meaning: 'answers per second (401, 438, errors, Binding over UDP) sent to one source IP that has not authenticated lately; 0 = no limit',
    status: S.Supported, set: (t, v) => { t.config.unauthenticatedRateLimit = v; },
  }),
  valued({
    name: 'unauthenticated-burst', area, turnpikeOnly, type: integer(1, 1_000_000), default: '100',
    meaning: 'answers such a source IP may get at once, before unauthenticated-rate-limit paces it',
    status: S.Supported, set: (t, v) => { t.config.unauthenticatedBurst = v; },
  }),
  valued({
    name: 'authenticated-source-rate-limit', area, turnpikeOnly, type: integer(1, 1_000_000), default: '1000',
    meaning: 'answers per second (and at once) to a source IP from which a request authenticated within authenticated-source-seconds: many clients behind one NAT',
    status: S.Supported, set: (t, v) => { t.config.authenticatedSourceRateLimit = v; },
  }),
  valued({
    name: 'authenticated-source-seconds', area, turnpikeOnly, type: integer(1, 86_400), default: '300',
    meaning: 'how long an authenticated request lifts its source IP to authenticated-source-rate-limit',
    status: S.Supported, set: (t, v) => { t.config.authenticatedSourceSeconds = v; },
  }),
  valued({
    name: 'http-port', area, turnpikeOnly, type: port, default: '7000',
    meaning: 'port of the web pages and HTTP API served by turnpike serve',
    status: S.Supported, set: (t, v) => { t.config.httpPort = v; },
  }),
  valued({
    name: 'http-ip', area, turnpikeOnly, type: bindAddress, default: '127.0.0.1',
    meaning: 'address of the web pages and HTTP API',
    status: S.Supported, set: (t, v) => { t.config.httpIp = v; },
  }),
  valued({
    name: 'api-key', area, turnpikeOnly, secret: true, type: text('<key>', 'a non-empty key'), repeatable: true,
    meaning: 'key a client must present to use the HTTP API; repeat to allow several',
    status: S.Supported, set: (t, v) => { t.config.apiKeys.push(v); },
  }),
  valued({
    name: 'fleet-redis', area, turnpikeOnly, secret: true, type: text('<connection-string>', 'a connection string'),
    meaning: "Redis (redis-userdb's connection string syntax) shared by a fleet of Turnpike servers: member registry with load and health, fleet-wide user-quota and total-quota, session commands from any member's admin API",
    status: S.Supported, set: (t, v) => { t.config.fleetRedis = v; },
  }),
  valued({
    name: 'fleet-member-name', area, turnpikeOnly, type: text('<name>', 'a non-empty name'), default: 'the host name and process id',
    meaning: 'this server\'s name in the fleet: unique among the members',
    status: S.Supported, set: (t, v) => { t.config.fleetMemberName = v; },
  }),
  valued({
    name: 'fleet-advertise', area, turnpikeOnly, type: addressPort,
    meaning: 'the TURN address this member is reached at (a port, or listening-port), listed in the fleet registry for load balancing',
    status: S.Supported,
    set: (t, v) => {
      const ip = v.ip.includes(':') ? `[${v.ip}]` : v.ip;
      t.config.fleetAdvertise = v.port === 0 ? ip : `${ip}:${v.port}`;
    },
  }),
  valued({
    name: 'fleet-heartbeat', area, turnpikeOnly, type: integer(1, 3600), default: '5',
    meaning: 'seconds between a member\'s heartbeats; a member that misses three drops out of the fleet',
    status: S.Supported, set: (t, v) => { t.config.fleetHeartbeat = v; },
  }),
  valued({
    name: 'fleet-redirect-at', area, turnpikeOnly, type: integer(0, 100_000_000), default: '0 (never)',
    meaning: 'allocations at which this member is loaded: an Allocate is then answered 300 Try Alternate with the fleet-advertise address of the least-loaded live, healthy member holding at least fleet-redirect-margin fewer (needs fleet-redis)',
    status: S.Supported, set: (t, v) => { t.config.fleetRedirectAt = v; },
  }),
  valued({
    name: 'fleet-redirect-margin', area, turnpikeOnly, type: integer(1, 100_000_000), default: '1',
    meaning: 'how many allocations fewer than this member a member must hold, counting those already sent to it, to be sent an Allocate; keeps two members from sending clients back and forth',
    status: S.Supported, set: (t, v) => { t.config.fleetRedirectMargin = v; },
  }),
];
