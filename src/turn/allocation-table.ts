/**
 * The allocations of the server (RFC 8656 §2.2): found by 5-tuple, counted per user for
 * `user-quota` and in all for `total-quota`. Creation and deletion go through here only, so
 * the counts can never drift from the table.
 */
import { Allocation, type AllocationInit } from './allocation.ts';
import type { ClientTransport } from './five-tuple.ts';
import { FiveTupleMap } from './five-tuple.ts';

/** What a new allocation is made of (the table numbers it). */
export type NewAllocation = Omit<AllocationInit, 'id'>;

/** 5-tuple → allocation, with per-user and per-realm counts. */
export class AllocationTable {
  readonly #by5Tuple = new FiveTupleMap<Allocation>();
  /** allocation id → allocation (RFC 8016: a mobility ticket names its allocation by id) */
  readonly #byId = new Map<number, Allocation>();
  readonly #perUser = new Map<string, number>();
  /** `realm \n user` → allocations: `user-quota` counts per realm, as each realm has its own users */
  readonly #perRealmUser = new Map<string, number>();
  readonly #perRealm = new Map<string, number>();
  #nextId = 1;

  /** The allocation of a 5-tuple, if any (opening or active). */
  find(transport: ClientTransport, ip: string, port: number): Allocation | undefined {
    return this.#by5Tuple.get(transport.id, ip, port);
  }

  /** The allocation numbered `id`, if it is still here. */
  get(id: number): Allocation | undefined {
    return this.#byId.get(id);
  }

  /** Number of allocations (opening or active). */
  get size(): number {
    return this.#by5Tuple.size;
  }

  /** Allocations `username` holds (in `realm`, when given). */
  countFor(username: string, realm?: string): number {
    if (realm !== undefined) return this.#perRealmUser.get(`${realm}\n${username}`) ?? 0;
    return this.#perUser.get(username) ?? 0;
  }

  /** Allocations of a realm (`total-quota` of a realm). */
  countInRealm(realm: string): number {
    return this.#perRealm.get(realm) ?? 0;
  }

  /** Users with at least one allocation, and how many each holds. */
  perUser(): ReadonlyMap<string, number> {
    return this.#perUser;
  }

  /** Every allocation; safe to delete from while iterating. */
  all(): Allocation[] {
    return [...this.#by5Tuple.values()];
  }

  /** Adds an allocation in the `opening` state and counts it. */
  create(init: NewAllocation): Allocation {
    const alloc = new Allocation({ id: this.#nextId++, ...init });
    this.#by5Tuple.set(init.transport.id, init.clientIp, init.clientPort, alloc);
    this.#byId.set(alloc.id, alloc);
    this.#perUser.set(init.username, this.countFor(init.username) + 1);
    bump(this.#perRealmUser, `${init.realm}\n${init.username}`, 1);
    bump(this.#perRealm, init.realm, 1);
    return alloc;
  }

  /** Removes an allocation and gives its count back; false if it was not (or no longer) here. */
  delete(alloc: Allocation): boolean {
    if (this.find(alloc.transport, alloc.clientIp, alloc.clientPort) !== alloc) return false;
    this.#by5Tuple.delete(alloc.transport.id, alloc.clientIp, alloc.clientPort);
    this.#byId.delete(alloc.id);
    const n = this.countFor(alloc.username) - 1;
    if (n > 0) this.#perUser.set(alloc.username, n);
    else this.#perUser.delete(alloc.username);
    bump(this.#perRealmUser, `${alloc.realm}\n${alloc.username}`, -1);
    bump(this.#perRealm, alloc.realm, -1);
    return true;
  }

  /**
   * RFC 8016 §3.2: the allocation now belongs to another 5-tuple, which must have none; the
   * old 5-tuple finds nothing from here on. False when either condition fails.
   */
  move(alloc: Allocation, transport: ClientTransport, ip: string, port: number): boolean {
    if (this.find(alloc.transport, alloc.clientIp, alloc.clientPort) !== alloc || this.find(transport, ip, port) !== undefined) return false;
    this.#by5Tuple.delete(alloc.transport.id, alloc.clientIp, alloc.clientPort);
    alloc.transport = transport;
    alloc.clientIp = ip;
    alloc.clientPort = port;
    this.#by5Tuple.set(transport.id, ip, port, alloc);
    return true;
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}
