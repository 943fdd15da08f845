/**
 * Which relayed transport addresses an Allocate gets (RFC 8656 §7.2): a relay IP per family
 * (the primary first, then ADDITIONAL-ADDRESS-FAMILY's), a port from the allocator (even for
 * EVEN-PORT, with the next one held under a RESERVATION-TOKEN when R is set, §14.6), or the port
 * a RESERVATION-TOKEN holds (§14.9). Pure: a data plane binds what the plan names, and when a
 * port turns out to be held by another process it marks it busy and asks for a new plan. The
 * real drivers and the test fake share this.
 */
import type { AddressFamily } from '../stun/types.ts';
import type { RelayRequest } from './core-output.ts';
import type { RelayPortAllocator } from './relay-port-allocator.ts';

/** A relay IP and the address advertised for it (`external-ip`). */
export interface RelayAddress {
  family: AddressFamily;
  ip: string;
  advertisedIp: string;
}

/** One relayed transport address to bind. */
export interface PlannedRelay {
  address: RelayAddress;
  port: number;
  /** the next port, held under `token` (EVEN-PORT with R) */
  reservedPort?: number;
  /** true when this port was held under a RESERVATION-TOKEN and is claimed now */
  fromReservation?: boolean;
}

/** What to bind, or why nothing can be. */
export type RelayPlan =
  | { ok: true; relays: PlannedRelay[]; token?: Uint8Array }
  | { ok: false; code: 440 | 508 };

/**
 * Plans the relays of one Allocate. `pick` chooses among several relay IPs of a family (round
 * robin in the drivers). Every port in a successful plan is taken from `ports`: bind it, or give
 * it back with `abandonPlan`.
 */
export function planRelays(
  req: RelayRequest,
  addresses: readonly RelayAddress[],
  ports: RelayPortAllocator,
  now: number,
  pick: (candidates: RelayAddress[]) => RelayAddress,
): RelayPlan {
  if (req.reservationToken !== undefined) {
    // RFC 8656 §7.2: the reserved port decides the relay address (and so the family).
    const held = ports.takeReserved(req.reservationToken, now);
    if (held === undefined) return { ok: false, code: 508 };
    const address = addresses.find((a) => a.ip === held.ip);
    if (address === undefined) {
      ports.release(held.ip, held.port);
      return { ok: false, code: 508 };
    }
    return { ok: true, relays: [{ address, port: held.port, fromReservation: true }] };
  }
  const relays: PlannedRelay[] = [];
  let token: Uint8Array | undefined;
  for (const family of req.families) {
    const candidates = addresses.filter((a) => a.family === family);
    if (candidates.length === 0) {
      abandonPlan({ ok: true, relays, token }, ports);
      return { ok: false, code: 440 };
    }
    const address = pick(candidates);
    const primary = family === req.families[0];
    const got = ports.take(address.ip, primary && req.evenPort, primary && req.reserveNext, now);
    if (got === undefined) {
      abandonPlan({ ok: true, relays, token }, ports);
      return { ok: false, code: 508 };
    }
    if (got.token !== undefined) token = got.token;
    relays.push({ address, port: got.port, reservedPort: got.token !== undefined ? got.port + 1 : undefined });
  }
  return { ok: true, relays, token };
}

/** Gives back every port a plan took (its reservation included). */
export function abandonPlan(plan: RelayPlan, ports: RelayPortAllocator): void {
  if (!plan.ok) return;
  if (plan.token !== undefined) ports.cancelReservation(plan.token);
  for (const r of plan.relays) ports.release(r.address.ip, r.port);
}

/** Round robin over the relay IPs of a family. */
export function roundRobin(): (candidates: RelayAddress[]) => RelayAddress {
  let next = 0;
  return (candidates) => candidates[next++ % candidates.length];
}
