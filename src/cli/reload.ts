/**
 * The signals an operator reloads with, as coturn users expect:
 *
 * - SIGHUP: log files reopened (logrotate), then the configuration read again from the same
 *   command line and file. What can change live is applied and logged by name; what needs a
 *   restart is named and left. A configuration with errors is refused with the same
 *   `file:line` messages as at start-up, and the running one stays in force.
 * - SIGUSR2: the certificate and key files read again (coturn's undocumented reload).
 */
import { ConfigError, loadTurnserverConfig, type Config } from '../config/index.ts';
import { TurnpikeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { RunningTurnServer } from '../server/turn-server.ts';

/** How to read the configuration again: `serve` adds its own defaults around the command line. */
export type ConfigLoader = () => Config;

/** The loader of `turnpike turnserver ARGS`. */
export function turnserverLoader(argv: readonly string[]): ConfigLoader {
  return () => loadTurnserverConfig(argv).config;
}

/** Installs SIGHUP and SIGUSR2; returns a function that removes them. Reloads run one at a time. */
export function handleReloadSignals(server: RunningTurnServer, log: Logger, load: ConfigLoader): () => void {
  let queue = Promise.resolve();
  const hangup = (): void => {
    log.reopen();
    queue = queue.then(() => reload(server, log, load));
  };
  const certificates = (): void => {
    try {
      server.reloadCertificates();
      log.info('reload-certificates', { result: 'applied' });
    } catch (err) {
      log.error('reload-certificates', { result: 'refused, the running certificates stay', error: err instanceof Error ? err.message : String(err) });
    }
  };
  process.on('SIGHUP', hangup);
  process.on('SIGUSR2', certificates);
  return () => {
    process.off('SIGHUP', hangup);
    process.off('SIGUSR2', certificates);
  };
}

/** One reload; never throws. */
export async function reload(server: RunningTurnServer, log: Logger, load: ConfigLoader): Promise<void> {
  let next: Config;
  try {
    next = load();
  } catch (err) {
    const problems = err instanceof ConfigError ? err.problems : [err instanceof Error ? err.message : String(err)];
    log.error('reload-refused', { why: 'the configuration has errors; the running one stays in force', problems: problems.join(' | ') });
    return;
  }
  try {
    const changes = await server.reload(next);
    log.info('reloaded', {
      applied: changes.live.join(',') || 'nothing changed',
      'needs-restart': changes.needsRestart.join(',') || 'none',
    });
  } catch (err) {
    const message = err instanceof TurnpikeError || err instanceof Error ? err.message : String(err);
    log.error('reload-refused', { why: 'the new settings could not be applied; the running ones stay in force', error: message });
  }
}
