/**
 * `turnpike turnserver [coturn options]`: behaves as coturn's `turnserver` with the same
 * options and `turnserver.conf`, in the foreground, until SIGINT/SIGTERM.
 */
import { writeFileSync, rmSync } from 'node:fs';
import { formatWarning, loadTurnserverConfig, turnserverUsage, type Config, type ConfigWarning } from '../config/index.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { SOFTWARE, startTurnServer, type RunningTurnServer } from '../server/turn-server.ts';

/** Resolves when the process is asked to stop. */
export function untilSignal(log: Logger): Promise<string> {
  return new Promise((resolve) => {
    const stop = (sig: string): void => resolve(sig);
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    // coturn reopens its log file on SIGHUP (logrotate).
    process.on('SIGHUP', () => log.reopen());
  });
}

/** Starts the STUN/TURN server for a loaded config and logs what listens where. */
export async function startFromConfig(config: Config, warnings: ConfigWarning[]): Promise<{ server: RunningTurnServer; log: Logger }> {
  const log = createLogger(config.log);
  for (const w of warnings) log.warn('config-warning', { where: w.where, option: w.option, message: formatWarning(w) });
  const server = await startTurnServer(config, { logger: log });
  for (const l of server.listeners) log.info('listening', { protocol: l.protocol, address: l.ip.includes(':') ? `[${l.ip}]:${l.port}` : `${l.ip}:${l.port}` });
  for (const r of server.relays) log.info('relay-address', { ip: r.ip, advertised: r.advertisedIp, ports: `${config.minPort}-${config.maxPort}` });
  log.info('started', { software: SOFTWARE, realm: config.realm, pid: process.pid, sources: config.sources.join(',') || 'command line' });
  if (config.pidFile) writeFileSync(config.pidFile, `${process.pid}\n`);
  return { server, log };
}

/** Stops the server cleanly. */
export async function stopServer(server: RunningTurnServer, log: Logger, config: Config, why: string): Promise<void> {
  log.info('stopping', { signal: why, ...server.core.counters.snapshot() });
  await server.close();
  if (config.pidFile) rmSync(config.pidFile, { force: true });
  await log.close();
}

/** The `turnserver` command. */
export async function turnserverCommand(argv: string[]): Promise<number> {
  const loaded = loadTurnserverConfig(argv);
  if (loaded.help) {
    process.stdout.write(turnserverUsage('turnpike turnserver') + '\n');
    return 0;
  }
  if (loaded.version) {
    process.stdout.write(SOFTWARE + '\n');
    return 0;
  }
  const { server, log } = await startFromConfig(loaded.config, loaded.warnings);
  const sig = await untilSignal(log);
  await stopServer(server, log, loaded.config, sig);
  return 0;
}
