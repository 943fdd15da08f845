/**
 * The `js` data plane: Node's `dgram` for client transports and relay sockets. Every datagram
 * enters JavaScript and the core decides it, so the forwarding table has nothing to do here.
 * It runs wherever Node runs, and it is what the `native` plane falls back to.
 */
import type { FaultGuard } from '../../log/fault-guard.ts';
import { pooledRandom } from '../../net/random-pool.ts';
import type { Ingress } from '../../server/ingress.ts';
import type { Allocation, RelayEndpoint } from '../../turn/allocation.ts';
import type { RelayRequest } from '../../turn/core-output.ts';
import type { ForwardingEntry } from '../../turn/forwarding.ts';
import { RelayPortAllocator } from '../../turn/relay-port-allocator.ts';
import type { RelayAddress } from '../../turn/relay-plan.ts';
import type { TurnCore } from '../../turn/turn-core.ts';
import type { DataPlane, DataPlaneStats, UdpListening } from '../types.ts';
import { RelaySockets } from './relay-sockets.ts';
import { listenUdp } from './udp-listener.ts';

/** What the `js` plane is built from. */
export interface JsDataPlaneOptions {
  relayAddresses: RelayAddress[];
  minPort: number;
  maxPort: number;
  now: () => number;
  guard: FaultGuard;
  /** `sock-buf-size`: UDP socket buffers in bytes; 0 keeps the defaults */
  sockBufSize?: number;
}

/** See the module comment. */
export class JsDataPlane implements DataPlane {
  readonly kind = 'js' as const;
  readonly threads = 1;
  readonly #ports: RelayPortAllocator;
  readonly #addresses: RelayAddress[];
  readonly #relays: RelaySockets;
  readonly #listeners: UdpListening[] = [];
  #ingress: Ingress | undefined;
  readonly #sockBufSize: number;

  constructor(o: JsDataPlaneOptions) {
    this.#ports = new RelayPortAllocator(o.minPort, o.maxPort, pooledRandom());
    this.#addresses = o.relayAddresses;
    this.#relays = new RelaySockets(this.#ports, o.relayAddresses, o.now, o.guard);
    this.#relays.sockBufSize = o.sockBufSize ?? 0;
    this.#sockBufSize = o.sockBufSize ?? 0;
  }

  attach(core: TurnCore, ingress: Ingress): void {
    this.#relays.core = core;
    this.#ingress = ingress;
  }

  async listenUdp(ip: string, port: number): Promise<UdpListening> {
    const l = await listenUdp(this.#ingress!, ip, port, this.#sockBufSize);
    const listening: UdpListening = { localIp: l.localIp, localPort: l.localPort, transports: [l], close: () => l.close() };
    this.#listeners.push(listening);
    return listening;
  }

  sendToPeer(relay: RelayEndpoint, peerIp: string, peerPort: number, data: Uint8Array): void {
    this.#relays.sendToPeer(relay, peerIp, peerPort, data);
  }

  openRelays(allocation: Allocation, request: RelayRequest): void {
    this.#relays.openRelays(allocation, request);
  }

  closeRelays(allocation: Allocation): void {
    this.#relays.closeRelays(allocation);
  }

  /** The core decides every datagram of this plane: the table needs no copy here. */
  upsert(_entry: ForwardingEntry): void {}

  remove(_allocationId: number): void {}

  tick(now: number): void {
    this.#relays.tick(now);
  }

  relayPorts(): { inUse: number; busy: number; reserved: number } {
    return this.#ports.usage(this.#addresses.map((r) => r.ip));
  }

  stats(): DataPlaneStats {
    return { kind: 'js', threads: 1, counters: {} };
  }

  async close(): Promise<void> {
    this.#relays.closeHeld();
    await Promise.all(this.#listeners.map((l) => l.close()));
  }
}
