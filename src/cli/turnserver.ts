/**
 * `turnpike turnserver [coturn options]`: behaves as coturn's `turnserver` with the same
 * options and `turnserver.conf`, in the foreground, until SIGINT/SIGTERM.
 */
import { writeFileSync, rmSync } from 'node:fs';
import { formatWarning, loadTurnserverConfig, turnserverUsage, type Config, type ConfigWarning } from '../config/index.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { SOFTWARE, startTurnServer, type RunningTurnServer } from '../server/turn-server.ts';
import { startServices, stopServices, type Service } from '../server/services.ts';
import { dropPrivileges } from '../server/privileges.ts';
import { handleReloadSignals, turnserverLoader } from './reload.ts';
import { startupWarnings } from '../server/startup-checks.ts';

/**
 * Resolves when the process is asked to stop. Call it before starting anything, so a signal
 * that arrives during start-up still stops cleanly; `onHangup` reopens log files (coturn does
 * on SIGHUP, for logrotate).
 */
export function untilSignal(onHangup: () => void = () => {}): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.on('SIGHUP', () => onHangup());
  });
}

/** Starts the STUN/TURN server for a loaded config and logs what listens where. */
export async function startFromConfig(config: Config, warnings: ConfigWarning[]): Promise<{ server: RunningTurnServer; log: Logger }> {
  const log = createLogger(config.log);
  for (const w of warnings) log.warn('config-warning', { where: w.where, option: w.option, message: formatWarning(w) });
  for (const w of startupWarnings(config)) log.warn('deployment-warning', { option: w.option, message: w.message });
  const server = await startTurnServer(config, { logger: log });
  for (const l of server.listeners) log.info('listening', { protocol: l.protocol, address: l.ip.includes(':') ? `[${l.ip}]:${l.port}` : `${l.ip}:${l.port}` });
  for (const r of server.relays) log.info('relay-address', { ip: r.ip, advertised: r.advertisedIp, ports: `${config.minPort}-${config.maxPort}` });
  if (config.pidFile) writeFileSync(config.pidFile, `${process.pid}\n`);
  log.info('started', { software: SOFTWARE, realm: config.realm, pid: process.pid, sources: config.sources.join(',') || 'command line' });
  return { server, log };
}

/** Stops the server cleanly. */
export async function stopServer(server: RunningTurnServer, log: Logger, config: Config, why: string): Promise<void> {
  log.info('stopping', { signal: why, ...server.core.counters.snapshot() });
  await server.close();
  if (config.pidFile) {
    // After proc-user/proc-group the directory may no longer be writable: say so, and finish.
    try {
      rmSync(config.pidFile, { force: true });
    } catch (err) {
      log.warn('pidfile-not-removed', { file: config.pidFile, message: (err as Error).message });
    }
  }
  await log.close();
}

/** The `turnserver` command. */
export async function turnserverCommand(argv: string[], serving: () => void = () => {}): Promise<number> {
  const loaded = loadTurnserverConfig(argv);
  // SIGHUP is answered from the start (reload handlers come once the server runs): never fatal.
  const signalled = untilSignal();
  if (loaded.help) {
    process.stdout.write(turnserverUsage('turnpike turnserver') + '\n');
    return 0;
  }
  if (loaded.version) {
    process.stdout.write(SOFTWARE + '\n');
    return 0;
  }
  const { server, log } = await startFromConfig(loaded.config, loaded.warnings);
  let services: Service[];
  try {
    services = await startServices(loaded.config, server, log);
    dropPrivileges(loaded.config, log);
  } catch (err) {
    await stopServer(server, log, loaded.config, 'start-failed');
    throw err;
  }
  const unhook = handleReloadSignals(server, log, turnserverLoader(argv));
  serving();
  const sig = await signalled;
  unhook();
  await stopServices(services);
  await stopServer(server, log, loaded.config, sig);
  return 0;
}
