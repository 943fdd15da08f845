/**
 * The fakes the TURN test bench plugs into the core: client transports that record what they
 * carry, and a `CoreOutput` that records every action and plays the relay driver with the real
 * `RelayPortAllocator` (EVEN-PORT, RESERVATION-TOKEN, exhaustion), answering at once or on demand.
 */
import type { Allocation, RelayEndpoint } from '../../src/turn/allocation.ts';
import type { AddressFamily } from '../../src/stun/types.ts';
import type { CoreEventName, CoreOutput, OpenedRelay, RelayRequest } from '../../src/turn/core-output.ts';
import type { ForwardingEntry } from '../../src/turn/forwarding.ts';
import { planRelays, roundRobin } from '../../src/turn/relay-plan.ts';
import type { ClientTransport, TransportProtocol } from '../../src/turn/five-tuple.ts';
import type { RelayPortAllocator } from '../../src/turn/relay-port-allocator.ts';
import type { TurnCore } from '../../src/turn/turn-core.ts';

/** A repeatable byte source (mulberry32): reservation tokens and transaction ids differ but never vary between runs. */
export function seededRandom(seed = 1): (n: number) => Uint8Array {
  let s = seed >>> 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
    }
    return out;
  };
}

/** One datagram (or stream frame) a transport carried to a client. */
export interface SentDatagram {
  ip: string;
  port: number;
  data: Uint8Array;
}

let nextTransportId = 1_000;

/** A client transport that records what the core sends (a UDP listener, or one TCP connection). */
export class FakeTransport implements ClientTransport {
  readonly id = nextTransportId++;
  readonly protocol: TransportProtocol;
  readonly localIp = '192.0.2.1';
  readonly localPort = 3478;
  readonly sent: SentDatagram[] = [];

  constructor(protocol: TransportProtocol = 'udp') {
    this.protocol = protocol;
  }

  send(ip: string, port: number, data: Uint8Array): void {
    // A copy: the core may reuse the buffer it handed over.
    this.sent.push({ ip, port, data: Uint8Array.from(data) });
  }
}

/** A datagram the core asked to send from a relayed address to a peer. */
export interface PeerDatagram {
  relay: RelayEndpoint;
  peerIp: string;
  peerPort: number;
  data: Uint8Array;
}

/** A relay address the fake driver binds ports on. */
export interface RelayAddressSpec {
  family: AddressFamily;
  ip: string;
  advertisedIp?: string;
}

/**
 * `CoreOutput` for tests: records every action and plays the data plane. In `auto` mode an
 * `openRelays` is answered at once from the same relay plan the real drivers use (so
 * EVEN-PORT, RESERVATION-TOKEN and exhaustion behave as in production); in `manual` mode it
 * waits in `pending` until the test calls `complete` or the core directly. The forwarding
 * table the core publishes is kept in `table`, for tests that check it against the core.
 */
export class FakeRelayDriver implements CoreOutput {
  core: TurnCore | undefined;
  mode: 'auto' | 'manual' = 'auto';
  readonly ports: RelayPortAllocator;
  readonly addresses: readonly RelayAddressSpec[];
  readonly now: () => number;
  readonly toPeers: PeerDatagram[] = [];
  readonly openRequests: { allocation: Allocation; request: RelayRequest }[] = [];
  readonly pending: { allocation: Allocation; request: RelayRequest }[] = [];
  readonly closed: Allocation[] = [];
  readonly events: { name: CoreEventName; fields: Record<string, unknown> }[] = [];
  /** allocation id → the row the core published last */
  readonly table = new Map<number, ForwardingEntry>();
  readonly #pick = roundRobin();
  #nextHandle = 1;

  constructor(ports: RelayPortAllocator, addresses: readonly RelayAddressSpec[], now: () => number) {
    this.ports = ports;
    this.addresses = addresses;
    this.now = now;
  }

  sendToPeer(relay: RelayEndpoint, peerIp: string, peerPort: number, data: Uint8Array): void {
    this.toPeers.push({ relay, peerIp, peerPort, data: Uint8Array.from(data) });
  }

  openRelays(allocation: Allocation, request: RelayRequest): void {
    this.openRequests.push({ allocation, request });
    if (this.mode === 'manual') this.pending.push({ allocation, request });
    else this.complete(allocation, request);
  }

  closeRelays(allocation: Allocation): void {
    this.closed.push(allocation);
    for (const r of allocation.relays) this.ports.release(r.ip, r.port);
  }

  upsert(entry: ForwardingEntry): void {
    this.table.set(entry.id, entry);
  }

  remove(allocationId: number): void {
    this.table.delete(allocationId);
  }

  event(name: CoreEventName, fields: Record<string, unknown>): void {
    this.events.push({ name, fields });
  }

  /** The events of one name, in order. */
  eventsNamed(name: CoreEventName): Record<string, unknown>[] {
    return this.events.filter((e) => e.name === name).map((e) => e.fields);
  }

  /** Binds (on paper) what the relay plan names and answers the core, as the real drivers do. */
  complete(allocation: Allocation, request: RelayRequest): void {
    const core = this.core!;
    const now = this.now();
    const addresses = this.addresses.map((a) => ({ family: a.family, ip: a.ip, advertisedIp: a.advertisedIp ?? a.ip }));
    const plan = planRelays(request, addresses, this.ports, now, this.#pick);
    if (!plan.ok) return core.relaysFailed(allocation, plan.code, now);
    const opened: OpenedRelay[] = plan.relays.map((r) => ({
      family: r.address.family,
      ip: r.address.ip,
      port: r.port,
      advertisedIp: r.address.advertisedIp,
      handle: { plane: 'test', id: this.#nextHandle++ },
    }));
    core.relaysOpened(allocation, opened, now, plan.token);
  }
}
