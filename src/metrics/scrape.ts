/**
 * One reading of a running server, taken when Prometheus scrapes: every metric is set from
 * it, so a scrape is consistent and always current.
 */
import type { DataPlaneStats } from '../dataplane/types.ts';
import type { RunningTurnServer } from '../server/turn-server.ts';
import type { DropReason } from '../turn/drop-reason.ts';
import type { LiveSnapshot, LiveState } from './live-state.ts';

/** See the module comment. */
export interface Scrape {
  live: LiveSnapshot;
  /** drop reason → count, the core's and the data plane's */
  drops: Map<DropReason, number>;
  /** the core's counters with the data plane's merged (`CoreCounters.snapshot`) */
  counters: Record<string, number>;
  plane: DataPlaneStats;
  relayPorts: { inUse: number; busy: number; reserved: number };
}

/** Reads `server` now. */
export function takeScrape(server: RunningTurnServer, live: LiveState, now: number): Scrape {
  return {
    live: live.snapshot(now),
    drops: server.core.counters.drops,
    counters: server.core.counters.snapshot(),
    plane: server.plane.stats(),
    relayPorts: server.relayPorts(),
  };
}
