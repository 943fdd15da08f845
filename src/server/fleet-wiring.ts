/**
 * Server wiring, the fleet's part (src/fleet/): `redis-statsdb` and `fleet-redis` opened when
 * configured, the running server as the fleet services see it (`FleetHost`), and, with
 * `fleet-redirect-at`, the core's fleet redirect state (RFC 8489 §10) that the fleet driver
 * refreshes from the member registry every heartbeat.
 */
import type { Config } from '../config/types.ts';
import type { DatabaseHealth } from '../db/health.ts';
import type { DataPlane } from '../dataplane/types.ts';
import type { Fleet, FleetHost } from '../fleet/index.ts';
import type { Logger } from '../log/logger.ts';
import { FleetRedirect } from '../turn/fleet-redirect.ts';
import type { TurnCore } from '../turn/turn-core.ts';
import type { EventListener } from './core-setup.ts';

/** The fleet services `config` names (ioredis, not small, is loaded only then); undefined when it names none. */
export async function openConfiguredFleet(config: Config, log: Logger): Promise<Fleet | undefined> {
  if (config.redisStatsDb === undefined && config.fleetRedis === undefined) return undefined;
  return (await import('../fleet/index.ts')).openFleet(config, log);
}

/** The core's fleet redirect state, when `fleet-redirect-at` is set (and `fleet-redis`, without which there is no fleet). */
export function fleetRedirectFrom(config: Config, log: Logger): FleetRedirect | undefined {
  if (config.fleetRedirectAt <= 0) return undefined;
  if (config.fleetRedis === undefined) {
    log.warn('fleet-redirect-unused', { message: 'fleet-redirect-at needs fleet-redis: no Allocate is redirected' });
    return undefined;
  }
  return new FleetRedirect({ threshold: config.fleetRedirectAt, margin: config.fleetRedirectMargin });
}

/** What the fleet host is built from. */
export interface FleetHostParts {
  core: TurnCore;
  plane: DataPlane;
  health: DatabaseHealth | undefined;
  listeners: Set<EventListener>;
  config: Config;
  /** relay IPs, each with the configured port range */
  relayIps: number;
  now: () => number;
}

/** The running server as the fleet services see it (src/fleet/host.ts). */
export function fleetHost({ core, plane, health, listeners, config, relayIps, now }: FleetHostParts): FleetHost {
  return {
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    allocations: () => core.allocations(),
    traffic(alloc) {
      const t = alloc.traffic;
      const p = plane.traffic?.(alloc.id);
      return p === undefined ? { ...t } : { rxPackets: t.rxPackets + p.rxPackets, rxBytes: t.rxBytes + p.rxBytes, txPackets: t.txPackets + p.txPackets, txBytes: t.txBytes + p.txBytes, dropped: t.dropped + p.dropped };
    },
    kill(id, why) {
      const alloc = core.allocations().find((a) => a.id === id);
      if (alloc !== undefined) core.deleteAllocation(alloc, now(), why);
      return alloc !== undefined;
    },
    load: () => ({ allocations: core.allocationCount, relayPortsInUse: plane.relayPorts().inUse, relayPortsTotal: (config.maxPort - config.minPort + 1) * relayIps }),
    database: () => (health === undefined ? 'none' : health.down ? 'down' : 'up'),
    ...(core.fleetRedirect === undefined ? {} : { redirectTo: (targets) => core.fleetRedirect?.setTargets(targets) }),
  };
}
