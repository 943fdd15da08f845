/**
 * The command line of `turnpike uclient`: coturn's `turnutils_uclient` flags with their
 * meanings unchanged (`-e` peer IP, `-r` peer port, `-m` clients, `-n` messages, `-l` length,
 * `-z` interval, …) plus Turnpike's own long options. Pure: argv in, typed options out.
 */
import { parseArgs } from 'node:util';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { parseIpAddress } from '../net/ip-parse.ts';

/** Everything one `uclient` run needs, with coturn's defaults filled in. */
export interface UclientOptions {
  /** the TURN server's address (IP or host name) */
  server: string;
  /** `-p`: the server's port, 3478 */
  serverPort: number;
  /** `-u`: long-term credential user name (RFC 8489 §9.2) */
  user: string | undefined;
  /** `-w`: its password */
  password: string | undefined;
  /** `-W`: TURN REST API shared secret; the password is derived from it */
  secret: string | undefined;
  /** `-C`: the REST API separator between expiry and user name, `:` */
  separator: string;
  /** `-e`: the echo peer's IP (not used with `-y`) */
  peerIp: string | undefined;
  /** `-r`: the echo peer's port, 3480 */
  peerPort: number;
  /** `-m`: how many clients (allocations carrying traffic), 1 */
  clients: number;
  /** `-n`: messages each client sends, 5 */
  messages: number;
  /** `-l`: bytes of application data per message, 100 */
  length: number;
  /** `-z`: ms between two messages of one client, 20; 0 sends as fast as the window allows */
  intervalMs: number;
  /** `-s`: Send/Data indications (RFC 8656 §10) instead of channels (§12) */
  sendIndications: boolean;
  /** `-y`: clients talk to each other in pairs, relay to relay, no echo peer */
  clientToClient: boolean;
  /** `-t`: TCP to the server (RFC 8656 §3.1) */
  tcp: boolean;
  /** `-x` / `-X`: REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.11); undefined asks for nothing */
  relayFamily: 'IPv4' | 'IPv6' | undefined;
  /** true unless `-c`: each client also allocates the odd RTCP port with EVEN-PORT/RESERVATION-TOKEN */
  rtcp: boolean;
  /** `-g`: DONT-FRAGMENT in Allocate and Send (RFC 8656 §18.8) */
  dontFragment: boolean;
  /** `-L`: the local address to send from */
  localIp: string | undefined;
  /** `-v` */
  verbose: boolean;
  /** `--concurrency`: allocations being set up at the same time, 8 */
  concurrency: number;
  /** `--duration`: send for this many seconds instead of `-n` messages */
  durationSeconds: number | undefined;
  /** `--window`: messages in flight per client when unpaced (`-z 0`), 32 */
  window: number;
  /** `--json`: print one JSON summary on stdout instead of the text report */
  json: boolean;
  /** `--rfc5766-channels`: bind channel numbers 0x5000–0x7FFF, which only RFC 5766 allowed */
  rfc5766Channels: boolean;
  /** `--fail-on-loss`: exit non-zero when any message is lost */
  failOnLoss: boolean;
  /** `--sha256`: PASSWORD-ALGORITHM SHA-256 and MESSAGE-INTEGRITY-SHA256 when the server offers them (RFC 8489 §9.2.3) */
  sha256: boolean;
  /** `--userhash`: name the user by USERHASH when the server's nonce offers username anonymity (RFC 8489 §9.2.3) */
  userhash: boolean;
}

/** The result of parsing: options to run, or a request for the usage text. */
export type ParsedUclientArgs = { help: true } | { help: false; options: UclientOptions };

/** `turnpike uclient --help`. */
export const UCLIENT_USAGE = `Usage: turnpike uclient [options] SERVER

A TURN load and interop client, like coturn's turnutils_uclient (same flags, same meanings).
Each client allocates a relay (RFC 8656 §7), creates a permission (§9) and binds a channel
(§11, unless -s), sends messages through the relay to an echo peer (turnpike peer or
turnutils_peer) and times the echoes; at the end it releases the allocation (Refresh 0).

coturn's options:
  -p PORT         server port (default 3478)
  -u USER         user name (long-term credentials)
  -w PASSWORD     password
  -W SECRET       TURN REST API secret (static-auth-secret): derive the password
  -C SEP          REST API separator between expiry and user (default ':')
  -e PEER-IP      the echo peer's address (required unless -y)
  -r PEER-PORT    the echo peer's port (default 3480)
  -m CLIENTS      number of clients (default 1)
  -n MESSAGES     messages per client (default 5)
  -l BYTES        message length (default 100, at least 16)
  -z MS           interval between a client's messages (default 20; 0 = unpaced)
  -s              Send indications instead of channels
  -y              client to client: pairs of clients send to each other's relay
  -t              TCP to the server (default UDP)
  -x              ask for an IPv6 relay address (RFC 6156)
  -X              ask for an IPv4 relay address explicitly
  -c              no RTCP allocations (by default each client also reserves the odd port)
  -g              set DONT-FRAGMENT
  -L IP           local address to send from
  -v              verbose

Turnpike's options:
  --concurrency N     allocations set up in parallel (default 8)
  --duration S        send for S seconds instead of -n messages
  --window N          messages in flight per client when -z 0 (default 32)
  --rfc5766-channels  bind channel numbers 0x5000-0x7FFF (RFC 5766 only; RFC 8656 servers refuse)
  --json              print a JSON summary instead of the text report
  --fail-on-loss      exit with 1 when a message is lost (always 1 when an allocation fails)
  --sha256            choose SHA-256 when the server offers PASSWORD-ALGORITHMS (RFC 8489)
  --userhash          send USERHASH instead of USERNAME when the server offers it (RFC 8489)
  -h, --help          this text

Example:
  turnpike peer -p 3480 -L 127.0.0.1 &
  turnpike uclient -u ling -w ling1234 -e 127.0.0.1 -r 3480 -m 10 -n 200 -l 170 127.0.0.1`;

const OPTION_TABLE = {
  port: { type: 'string', short: 'p', default: '3478' },
  user: { type: 'string', short: 'u' },
  password: { type: 'string', short: 'w' },
  secret: { type: 'string', short: 'W' },
  separator: { type: 'string', short: 'C', default: ':' },
  'peer-ip': { type: 'string', short: 'e' },
  'peer-port': { type: 'string', short: 'r', default: '3480' },
  clients: { type: 'string', short: 'm', default: '1' },
  messages: { type: 'string', short: 'n', default: '5' },
  length: { type: 'string', short: 'l', default: '100' },
  interval: { type: 'string', short: 'z', default: '20' },
  'send-indications': { type: 'boolean', short: 's', default: false },
  'client-to-client': { type: 'boolean', short: 'y', default: false },
  tcp: { type: 'boolean', short: 't', default: false },
  'ipv6-relay': { type: 'boolean', short: 'x', default: false },
  'ipv4-relay': { type: 'boolean', short: 'X', default: false },
  'no-rtcp': { type: 'boolean', short: 'c', default: false },
  'dont-fragment': { type: 'boolean', short: 'g', default: false },
  'local-ip': { type: 'string', short: 'L' },
  verbose: { type: 'boolean', short: 'v', default: false },
  concurrency: { type: 'string', default: '8' },
  duration: { type: 'string' },
  window: { type: 'string', default: '32' },
  'rfc5766-channels': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  'fail-on-loss': { type: 'boolean', default: false },
  sha256: { type: 'boolean', default: false },
  userhash: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Smallest `-l`: the sequence number, client id and send time every message carries. */
export const MIN_MESSAGE_LENGTH = 16;
/** Largest `-l`: a UDP datagram (65507 bytes) minus a Send indication's headers, rounded down. */
export const MAX_MESSAGE_LENGTH = 65000;

function usageError(message: string): TurnpikeError {
  return new TurnpikeError(ErrorCode.USAGE, `${message}\n\n${UCLIENT_USAGE}`);
}

/** Reads an integer option in [min, max] or throws a usage error naming the flag. */
function integer(flag: string, text: string, min: number, max: number): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw usageError(`${flag} '${text}': expected an integer from ${min} to ${max}`);
  return n;
}

/**
 * Parses a `uclient` command line. Throws a TurnpikeError USAGE naming the flag for anything
 * that cannot run: a bad number, `-x` with `-X`, `-w` with `-W`, no `-e` without `-y`, an odd
 * `-m` with `-y`, a non-IP `-e` or `-L`.
 */
export function parseUclientArgs(argv: readonly string[]): ParsedUclientArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTION_TABLE });
  } catch (err) {
    throw usageError((err as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return { help: true };
  if (positionals.length !== 1) throw usageError(positionals.length === 0 ? 'expected the SERVER address' : `expected one SERVER, got ${positionals.join(' ')}`);
  if (v['ipv6-relay'] && v['ipv4-relay']) throw usageError('-x (IPv6 relay) and -X (IPv4 relay) exclude each other');
  if (v.password !== undefined && v.secret !== undefined) throw usageError('give -w PASSWORD or -W SECRET, not both');
  if (v.password !== undefined && v.user === undefined) throw usageError('-w needs a user name (-u)');
  if ((v.sha256 || v.userhash) && v.user === undefined && v.secret === undefined) throw usageError('--sha256 and --userhash need credentials (-u, or -W)');
  const clientToClient = v['client-to-client'];
  if (!clientToClient && v['peer-ip'] === undefined) throw usageError('give the echo peer with -e PEER-IP (or use -y for client to client)');
  // The peer goes into XOR-PEER-ADDRESS, which has no room for a zone id; the local address is bound here.
  for (const [flag, ip, zone] of [['-e', v['peer-ip'], false], ['-L', v['local-ip'], true]] as const) {
    if (ip !== undefined && parseIpAddress(ip, { zone }) === undefined) throw usageError(`${flag} '${ip}': expected an IP address`);
  }
  const clients = integer('-m', v.clients, 1, 100000);
  if (clientToClient && clients % 2 !== 0) throw usageError(`-m ${clients}: -y pairs clients, so the number must be even`);
  if (v.separator.length === 0) throw usageError('-C: the separator cannot be empty');
  return {
    help: false,
    options: {
      server: positionals[0],
      serverPort: integer('-p', v.port, 1, 65535),
      user: v.user,
      password: v.password,
      secret: v.secret,
      separator: v.separator,
      peerIp: clientToClient ? undefined : v['peer-ip'],
      peerPort: integer('-r', v['peer-port'], 1, 65535),
      clients,
      messages: integer('-n', v.messages, 0, 1e9),
      length: integer('-l', v.length, MIN_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH),
      intervalMs: integer('-z', v.interval, 0, 3600000),
      sendIndications: v['send-indications'],
      clientToClient,
      tcp: v.tcp,
      relayFamily: v['ipv6-relay'] ? 'IPv6' : v['ipv4-relay'] ? 'IPv4' : undefined,
      rtcp: !v['no-rtcp'],
      dontFragment: v['dont-fragment'],
      localIp: v['local-ip'],
      verbose: v.verbose,
      concurrency: integer('--concurrency', v.concurrency, 1, 10000),
      durationSeconds: v.duration === undefined ? undefined : integer('--duration', v.duration, 1, 86400 * 7),
      window: integer('--window', v.window, 1, 65536),
      json: v.json,
      rfc5766Channels: v['rfc5766-channels'],
      failOnLoss: v['fail-on-loss'],
      sha256: v.sha256,
      userhash: v.userhash,
    },
  };
}
