/**
 * The fakes the TURN test bench plugs into the core: client transports that record what they
 * carry, and a `CoreOutput` that records every action and plays the relay driver with the real
 * `RelayPortAllocator` (EVEN-PORT, RESERVATION-TOKEN, exhaustion), answering at once or on demand.
 */
import type { Allocation, RelayEndpoint } from '../../src/turn/allocation.ts';
import type { AddressFamily } from '../../src/stun/types.ts';
import type { CoreEventName, CoreOutput, OpenedRelay, RelayRequest } from '../../src/turn/core-output.ts';
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
 * `CoreOutput` for tests: records every action and plays the relay driver. In `auto` mode an
 * `openRelays` is answered at once, from `RelayPortAllocator`, as the UDP driver would; in
 * `manual` mode it waits in `pending` until the test calls `complete` or the core directly.
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

  event(name: CoreEventName, fields: Record<string, unknown>): void {
    this.events.push({ name, fields });
  }

  /** The events of one name, in order. */
  eventsNamed(name: CoreEventName): Record<string, unknown>[] {
    return this.events.filter((e) => e.name === name).map((e) => e.fields);
  }

  /** Binds (on paper) what `request` asks for and answers the core, as `RelaySockets` does. */
  complete(allocation: Allocation, request: RelayRequest): void {
    const core = this.core!;
    const now = this.now();
    const opened: OpenedRelay[] = [];
    const fail = (code: 440 | 508): void => {
      for (const r of opened) this.ports.release(r.ip, r.port);
      core.relaysFailed(allocation, code, now);
    };
    let token: Uint8Array | undefined;
    if (request.reservationToken !== undefined) {
      const held = this.ports.takeReserved(request.reservationToken, now);
      const addr = held && this.addresses.find((a) => a.ip === held.ip);
      if (held === undefined || addr === undefined) return fail(508);
      opened.push(this.#relay(addr, held.port));
    } else {
      for (const family of request.families) {
        const addr = this.addresses.find((a) => a.family === family);
        if (addr === undefined) return fail(440);
        const primary = family === request.families[0];
        const got = this.ports.take(addr.ip, primary && request.evenPort, primary && request.reserveNext, now);
        if (got === undefined) return fail(508);
        if (got.token !== undefined) token = got.token;
        opened.push(this.#relay(addr, got.port));
      }
    }
    core.relaysOpened(allocation, opened, now, token);
  }

  #relay(addr: RelayAddressSpec, port: number): OpenedRelay {
    return { family: addr.family, ip: addr.ip, port, advertisedIp: addr.advertisedIp ?? addr.ip, handle: `relay ${addr.ip} ${port}` };
  }
}
