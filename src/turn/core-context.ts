/**
 * What a method handler may touch (RFC 8656 §6–§12): the options, the counters, the
 * allocation table, the answer budgets, and the outside world through `CoreOutput`. The core
 * builds one context and hands it to every handler; its own state stays private.
 */
import type { NonceService } from '../auth/nonce.ts';
import type { DecodedStunMessage, StunAttribute } from '../stun/types.ts';
import type { Allocation } from './allocation.ts';
import type { AllocationTable, NewAllocation } from './allocation-table.ts';
import type { TurnCoreOptions } from './core-options.ts';
import type { CoreOutput } from './core-output.ts';
import type { CoreCounters } from './counters.ts';
import type { ClientTransport } from './five-tuple.ts';
import type { RealmDirectory } from './realms.ts';
import type { SourceBudgets } from './source-budgets.ts';
import type { BackendEndpoints } from './backend-endpoints.ts';
import type { TcpConnectionTable } from './tcp-connections.ts';
import type { TicketSealer } from './mobility-ticket.ts';
import type { AlternateServers } from './alternate-servers.ts';
import type { FleetRedirect } from './fleet-redirect.ts';

/** The narrow surface handlers work through. */
export interface CoreContext {
  readonly options: TurnCoreOptions;
  readonly counters: CoreCounters;
  readonly nonces: NonceService;
  /** realms: ORIGIN → realm, each realm's limits and peer policy */
  readonly realms: RealmDirectory;
  readonly output: CoreOutput;
  readonly allocations: AllocationTable;
  readonly budgets: SourceBudgets;
  /** the server's own backends, never a peer (src/turn/backend-endpoints.ts) */
  readonly backends: BackendEndpoints;
  /** RFC 6062 peer data connections of TCP allocations */
  readonly tcpConnections: TcpConnectionTable;
  /** RFC 8016: seals and opens MOBILITY-TICKETs; undefined when the server has no mobility */
  readonly tickets: TicketSealer | undefined;
  /** RFC 8489 §10: where Allocates are redirected with 300 Try Alternate; undefined when nowhere */
  readonly alternates: AlternateServers | undefined;
  /** RFC 8489 §10: the fleet's less-loaded members, tried when no rotation redirects; undefined when off */
  readonly fleetRedirect: FleetRedirect | undefined;
  /** random bytes (transaction ids of indications, reservation tokens) */
  random(n: number): Uint8Array;
  /**
   * Sends an answer no credential vouches for, within the source IP's budget, so the server
   * cannot be used to reflect traffic toward a forged address. False when it was dropped.
   */
  sendUnauthenticated(transport: ClientTransport, ip: string, port: number, answer: Uint8Array, now: number): boolean;
  /** An error answer to a request no credential vouches for (within the budget). */
  rejectUnauthenticated(transport: ClientTransport, ip: string, port: number, req: DecodedStunMessage, code: number, now: number, extra?: StunAttribute[], phrase?: string): void;
  /** Takes `bytes` from the allocation's and the server's bandwidth budgets; false (and counted) when over. */
  spendBandwidth(alloc: Allocation, bytes: number, now: number): boolean;
  /** A new allocation in the `opening` state, counted against the quotas. */
  createAllocation(init: Omit<NewAllocation, 'now'>, now: number): Allocation;
  /** Removes an allocation: its quota back, its relays closed, its table row withdrawn. */
  deleteAllocation(alloc: Allocation, now: number, why: string): void;
  /** Publishes the allocation's forwarding-table row again after a change. */
  publish(alloc: Allocation, now: number): void;
}
