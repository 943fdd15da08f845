/**
 * RFC 6062 §5.2–§5.4: the peer data connections of TCP allocations, as data. Each has a
 * CONNECTION-ID, the allocation and relay it belongs to, the peer's transport address, a state
 * and a deadline: an outgoing connection (Connect) must be established, and an established one
 * bound by a ConnectionBind, within 30 seconds. Pure: the driver owns the sockets and reports
 * what happens to them; the core's sweep closes what outlived its deadline.
 */
import type { DecodedStunMessage } from '../stun/types.ts';
import type { Allocation, RelayEndpoint } from './allocation.ts';

/** RFC 6062 §5.2: the Connect attempt's timeout ("at least 30 seconds"), in ms. */
export const CONNECT_TIMEOUT_MS = 30_000;
/** RFC 6062 §5.2, §5.3: a peer data connection not bound within 30 seconds is closed, in ms. */
export const BIND_TIMEOUT_MS = 30_000;

/**
 * - `connecting`: the server's connection to the peer (Connect) is being set up;
 * - `waiting-bind`: established, the peer's bytes are held until a ConnectionBind;
 * - `bound`: a client data connection carries the bytes both ways.
 */
export type TcpConnectionState = 'connecting' | 'waiting-bind' | 'bound';

/** The Connect request an outgoing connection answers once it is established or failed. */
export interface PendingConnect {
  request: DecodedStunMessage;
  /** the key that authenticated it; undefined with `no-auth` */
  key: Uint8Array | undefined;
}

/** One peer data connection (RFC 6062 §2: "peer data connection"). */
export interface TcpConnection {
  /** CONNECTION-ID (RFC 6062 §6.2.1), unique among the live connections */
  readonly id: number;
  readonly allocation: Allocation;
  readonly relay: RelayEndpoint;
  readonly peerIp: string;
  readonly peerPort: number;
  /** true for a Connect (§5.2), false for a connection the peer opened (§5.3) */
  readonly outgoing: boolean;
  state: TcpConnectionState;
  /** when the current state times out; unused once `bound` */
  deadline: number;
  /** while `connecting`: the Connect to answer */
  connect: PendingConnect | undefined;
}

/** The live peer data connections, by CONNECTION-ID and by allocation. */
export class TcpConnectionTable {
  readonly #byId = new Map<number, TcpConnection>();
  /** allocation → `peerIp|peerPort` → connection */
  readonly #byAllocation = new Map<Allocation, Map<string, TcpConnection>>();
  readonly #random: (n: number) => Uint8Array;

  constructor(random: (n: number) => Uint8Array) {
    this.#random = random;
  }

  get size(): number {
    return this.#byId.size;
  }

  /** A fresh non-zero CONNECTION-ID, unpredictable (a ConnectionBind must still authenticate). */
  #newId(): number {
    for (;;) {
      const r = this.#random(4);
      const id = ((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3]) >>> 0;
      if (id !== 0 && !this.#byId.has(id)) return id;
    }
  }

  /** Adds a connection in its first state (`connecting` for Connect, `waiting-bind` for inbound). */
  add(init: Omit<TcpConnection, 'id' | 'state' | 'deadline'>, now: number): TcpConnection {
    const conn: TcpConnection = {
      ...init,
      id: this.#newId(),
      state: init.outgoing ? 'connecting' : 'waiting-bind',
      deadline: now + (init.outgoing ? CONNECT_TIMEOUT_MS : BIND_TIMEOUT_MS),
    };
    this.#byId.set(conn.id, conn);
    let peers = this.#byAllocation.get(conn.allocation);
    if (peers === undefined) this.#byAllocation.set(conn.allocation, (peers = new Map()));
    peers.set(`${conn.peerIp}|${conn.peerPort}`, conn);
    return conn;
  }

  get(id: number): TcpConnection | undefined {
    return this.#byId.get(id);
  }

  /** RFC 6062 §5.2: the allocation's connection with this peer transport address, if any. */
  findPeer(alloc: Allocation, peerIp: string, peerPort: number): TcpConnection | undefined {
    return this.#byAllocation.get(alloc)?.get(`${peerIp}|${peerPort}`);
  }

  /** Every connection of an allocation (a copy). */
  ofAllocation(alloc: Allocation): TcpConnection[] {
    return [...(this.#byAllocation.get(alloc)?.values() ?? [])];
  }

  /** Forgets a connection; false when it was not there. */
  delete(id: number): boolean {
    const conn = this.#byId.get(id);
    if (conn === undefined) return false;
    this.#byId.delete(id);
    const peers = this.#byAllocation.get(conn.allocation);
    peers?.delete(`${conn.peerIp}|${conn.peerPort}`);
    if (peers?.size === 0) this.#byAllocation.delete(conn.allocation);
    return true;
  }

  /** The connections whose `connecting` or `waiting-bind` deadline has passed. */
  overdue(now: number): TcpConnection[] {
    const out: TcpConnection[] = [];
    for (const c of this.#byId.values()) if (c.state !== 'bound' && c.deadline <= now) out.push(c);
    return out;
  }
}
