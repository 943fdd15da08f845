/**
 * `turnpike sfu -c sfu.toml [-a :7000]`: the SFU on its own, taking ion-sfu's json-rpc command
 * line (`-c` config file, `-a` listen address, `-cert`/`-key` for TLS, `-m` the Prometheus
 * metrics address, `-v` verbosity) and its config.toml unchanged.
 */
import { readFile } from 'node:fs/promises';
import { TurnpikeError, ErrorCode } from '../errors.ts';
import { loadSfuConfig, withOverrides, type SfuClusterConfig } from '../sfu/config.ts';
import { startSfuServer } from '../sfu/http-server.ts';
import { startSfuMetrics, type SfuMetricsServer } from '../sfu/metrics.ts';
import type { SfuLog } from '../sfu/signal/ws-endpoint.ts';
import { shutdownWebrtc } from '../sfu/transport/node-datachannel.ts';
import type { RunningTurnServer } from '../server/turn-server.ts';
import { JWT_SECRET_ENV, runSfuToken } from './sfu-token.ts';
import { turnConfigFromSfu } from './sfu-turn.ts';
import { startFromConfig } from './turnserver.ts';

/** The help text of `turnpike sfu`. */
export function sfuUsage(): string {
  return [
    'Usage: turnpike sfu [-c config.toml] [-a [host]:port] [-cert file -key file] [-m [host]:port] [-v level]',
    '',
    "Runs the SFU: ion-sfu's JSON-RPC signalling on ws://host:port/ws (ion-sdk-js apps connect",
    'unchanged) and a demo room on http://host:port/demo/; Prometheus metrics on',
    'http://host:port/metrics at the -m address (with [sfu] withstats = true, the SFU\'s too).',
    '',
    '  -c, --config FILE   ion-sfu config.toml (default: config.toml)',
    '  -a, --addr ADDR     listen address, [host]:port (default: :7000)',
    '  -cert FILE          TLS certificate (PEM); with -key, serves https/wss',
    '  -key FILE           TLS private key (PEM)',
    '  -m ADDR             metrics address, [host]:port (default: :8100)',
    '  -v LEVEL            log verbosity (0 info, 1 debug); -v alone means 1',
    '  --cluster-redis ADDR  join a cluster of SFU nodes over Redis (host:port or redis:// URL)',
    '  --node-id ID        this node\'s name in the cluster (default: hostname-pid)',
    '  --advertise URL     this node\'s signalling URL, recorded in Redis',
    '  --lease-ttl SECONDS how long a dead node keeps its rooms (default 10)',
    `  --jwt-secret S      require signed join tokens (also $${JWT_SECRET_ENV}, [auth] jwtsecret)`,
    '',
    '  turnpike sfu token --room R [--identity U] [--ttl 3600] [--no-publish]  prints a join token',
    '  -h, --help          this text',
  ].join('\n');
}

/** Parsed `turnpike sfu` arguments. */
export interface SfuArgs {
  readonly config: string;
  readonly host: string;
  readonly port: number;
  /** the Prometheus endpoint's address (`-m`) */
  readonly metrics: { readonly host: string; readonly port: number };
  readonly cert: string | undefined;
  readonly key: string | undefined;
  readonly verbose: number;
  readonly help: boolean;
  /** `[cluster]` values given on the command line (they win over the file's) */
  readonly cluster?: Partial<SfuClusterConfig>;
  /** `--jwt-secret`: wins over the environment and `[auth] jwtsecret` */
  readonly jwtSecret?: string;
}

function usageError(msg: string): never {
  throw new TurnpikeError(ErrorCode.USAGE, `${msg}\n\n${sfuUsage()}`);
}

/** Splits "[host]:port", ":port", "host:port" or "[::1]:port". */
export function parseListenAddress(addr: string, flag = '-a'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr);
  if (!m || Number(m[3]) > 65535) usageError(`${flag}: expected [host]:port, got "${addr}"`);
  return { host: m[1] ?? m[2] ?? '', port: Number(m[3]) };
}

/** Parses the command line (ion-sfu's flag names, with one or two dashes). */
export function parseSfuArgs(argv: readonly string[]): SfuArgs {
  let config = 'config.toml';
  let addr = ':7000';
  let metricsAddr = ':8100';
  let cert: string | undefined;
  let key: string | undefined;
  let verbose = 0;
  let help = false;
  let jwtSecret: string | undefined;
  const cluster: { -readonly [K in keyof SfuClusterConfig]?: SfuClusterConfig[K] } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = (eq > 0 ? arg.slice(0, eq) : arg).replace(/^--?/, '');
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) usageError(`${arg}: missing value`);
      return v;
    };
    if (flag === 'c' || flag === 'config') config = value();
    else if (flag === 'a' || flag === 'addr') addr = value();
    else if (flag === 'cert') cert = value();
    else if (flag === 'key') key = value();
    else if (flag === 'm') metricsAddr = value();
    else if (flag === 'v') verbose = eq > 0 || /^\d+$/.test(argv[i + 1] ?? '') ? Number(value()) : 1;
    else if (flag === 'h' || flag === 'help') help = true;
    else if (flag === 'cluster-redis') cluster.redis = value();
    else if (flag === 'node-id') cluster.nodeId = value();
    else if (flag === 'advertise') cluster.address = value();
    else if (flag === 'jwt-secret') jwtSecret = value();
    else if (flag === 'lease-ttl') {
      const v = value();
      cluster.leaseTtl = Number(v);
      if (!/^\d+(\.\d+)?$/.test(v) || cluster.leaseTtl < 1 || cluster.leaseTtl > 300) usageError(`${arg}: expected seconds from 1 to 300, got "${v}"`);
    }
    else usageError(`unknown option ${arg}`);
  }
  if ((cert === undefined) !== (key === undefined)) usageError('-cert and -key go together');
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < 32) usageError('--jwt-secret: expected at least 32 bytes (RFC 7518 §3.2)');
  if (cluster.nodeId !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(cluster.nodeId)) usageError(`--node-id: expected letters, digits, ".", "_" or "-", got "${cluster.nodeId}"`);
  return { config, ...parseListenAddress(addr), metrics: parseListenAddress(metricsAddr, '-m'), cert, key, verbose, help, ...(Object.keys(cluster).length > 0 ? { cluster } : {}), ...(jwtSecret !== undefined ? { jwtSecret } : {}) };
}

/** Whether a listen host is reachable only from this machine ("" listens on every address). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function consoleLog(verbose: number): SfuLog {
  const line = (level: string, event: string, fields?: Record<string, unknown>) =>
    `${new Date().toISOString()} ${level} ${event}${fields ? ' ' + JSON.stringify(fields) : ''}\n`;
  return {
    error: (e, f) => process.stderr.write(line('ERROR', e, f)),
    warn: (e, f) => process.stderr.write(line('WARN', e, f)),
    info: (e, f) => process.stdout.write(line('INFO', e, f)),
    debug: (e, f) => void (verbose > 0 && process.stdout.write(line('DEBUG', e, f))),
  };
}

/** Runs the standalone SFU until SIGINT/SIGTERM (or `opts.signal`); resolves with the exit code. */
export async function runSfu(argv: string[], opts: { signal?: AbortSignal; onListening?: (url: string) => void } = {}): Promise<number> {
  let server;
  let turn: RunningTurnServer | undefined;
  let metrics: SfuMetricsServer | undefined;
  if (argv[0] === 'token') return runSfuToken(argv.slice(1));
  try {
    const args = parseSfuArgs(argv);
    if (args.help) {
      process.stdout.write(sfuUsage() + '\n');
      return 0;
    }
    const file = await loadSfuConfig(args.config);
    const jwtSecret = args.jwtSecret ?? (process.env[JWT_SECRET_ENV] || undefined) ?? file.auth.jwtSecret;
    if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < 32) usageError(`${JWT_SECRET_ENV}: expected at least 32 bytes (RFC 7518 §3.2)`);
    const config = withOverrides(file, { cluster: args.cluster ?? {}, auth: { jwtSecret } });
    const tls = args.cert && args.key ? { cert: await readFile(args.cert), key: await readFile(args.key) } : undefined;
    const log = consoleLog(args.verbose);
    server = await startSfuServer({ config, host: args.host, port: args.port, tls, log });
    const sfu = server.sfu;
    try {
      metrics = await startSfuMetrics({ ...args.metrics, withStats: config.sfu.withStats, stats: () => sfu.stats(), log });
    } catch (err) {
      // ion-sfu panics here; the SFU is the service and its metrics an extra, so it runs on without them.
      log.error('sfu.metrics.listen_failed', { address: args.metrics, error: (err as Error).message });
    }
    const turnConfig = turnConfigFromSfu(config.turn);
    if (turnConfig) {
      // ion-sfu's embedded TURN server: here it is Turnpike's own, with the same behaviour as `turnserver`.
      turn = (await startFromConfig(turnConfig.config, turnConfig.warnings)).server;
    }
    const ws = server.url.replace(/^http/, 'ws');
    if (config.auth.jwtSecret === undefined && !isLoopbackHost(args.host)) {
      log.warn('sfu.auth.open', { host: args.host || '*', why: 'listening beyond loopback without [auth] jwtsecret: anyone who reaches /ws joins any room' });
    }
    log.info('sfu.listening', { signalling: `${ws}/ws`, demo: `${server.url}/demo/`, metrics: metrics?.url, config: args.config });
    opts.onListening?.(server.url);
  } catch (err) {
    // Whatever started before the failure must not keep the process alive.
    await turn?.close();
    await metrics?.close();
    await server?.close();
    if (err instanceof TurnpikeError) {
      process.stderr.write(`turnpike sfu: ${err.message}\n`);
      return err.code === ErrorCode.USAGE ? 2 : 1;
    }
    throw err;
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      opts.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (opts.signal?.aborted) stop();
    else opts.signal?.addEventListener('abort', stop, { once: true });
  });
  await turn?.close();
  await metrics?.close();
  await server.close();
  shutdownWebrtc();
  return 0;
}
