/**
 * What the fleet services need of the TURN server they run beside: its events, its live
 * allocations with their traffic, its load, and a way to end an allocation. The server wiring
 * (src/server/turn-server.ts) builds one; tests may build their own around a real server.
 */
import type { Allocation, TrafficCounters } from '../turn/allocation.ts';
import type { FleetTarget } from '../turn/fleet-redirect.ts';

/** A member's load, as the registry publishes it. */
export interface MemberLoad {
  /** allocations, opening or active */
  allocations: number;
  /** relay ports held by allocations and reservations */
  relayPortsInUse: number;
  /** relay ports in the configured range (0: unknown) */
  relayPortsTotal: number;
  /** share of one core the process used since the last heartbeat, 0-1 and more on several threads */
  cpu: number;
}

/** The server seen from the fleet services. */
export interface FleetHost {
  /** Subscribes to the core's events; returns the unsubscribe function. */
  onEvent(listener: (name: string, fields: Record<string, unknown>) => void): () => void;
  /** Every allocation, opening or active. */
  allocations(): Allocation[];
  /** An allocation's traffic so far, the data plane's counts included. */
  traffic(alloc: Allocation): TrafficCounters;
  /** Ends allocation `id` as an operator's kill does; false when there is none. */
  kill(id: number, why: string): boolean;
  /** Allocations and relay ports now (the CPU share is the registry's to measure). */
  load(): Omit<MemberLoad, 'cpu'>;
  /** Whether the user database answers ('none': there is none). */
  database(): 'up' | 'down' | 'none';
  /**
   * Where the core may send Allocates while this member is loaded (`fleet-redirect-at`): the
   * other live, healthy members, refreshed every heartbeat. Absent: this server never redirects.
   */
  redirectTo?(targets: FleetTarget[]): void;
}
