/**
 * The `js` data plane's relay sockets (RFC 8656 §7.2, §11, §12): binds them for allocations
 * from the shared relay plan (marking ports another process holds as busy and planning again),
 * carries datagrams to peers, and feeds what peers send back into the core.
 */
import dgram from 'node:dgram';
import type { Allocation, RelayEndpoint, RelayHandle } from '../../turn/allocation.ts';
import type { OpenedRelay, RelayRequest } from '../../turn/core-output.ts';
import type { RelayPortAllocator } from '../../turn/relay-port-allocator.ts';
import { abandonPlan, planRelays, roundRobin, type PlannedRelay, type RelayAddress } from '../../turn/relay-plan.ts';
import type { TurnCore } from '../../turn/turn-core.ts';
import type { FaultGuard } from '../../log/fault-guard.ts';
import { udpSocketOptions } from './udp-listener.ts';

/** A relay socket of the `js` plane: the handle carries the socket itself. */
export interface JsRelayHandle extends RelayHandle {
  readonly plane: 'js';
  readonly socket: dgram.Socket;
}

let nextRelayId = 1;

function jsHandle(socket: dgram.Socket): JsRelayHandle {
  return { plane: 'js', id: nextRelayId++, socket };
}

/** The socket behind a relay endpoint of this plane. */
function socketOf(relay: { handle: RelayHandle }): dgram.Socket {
  return (relay.handle as JsRelayHandle).socket;
}

/** The relay side of the `js` plane: a socket per relayed transport address. */
export class RelaySockets {
  readonly #ports: RelayPortAllocator;
  readonly #addresses: RelayAddress[];
  readonly #now: () => number;
  readonly #guard: FaultGuard;
  readonly #pick = roundRobin();
  /** sockets bound for ports held under a RESERVATION-TOKEN (hex), until claimed or expired */
  readonly #held = new Map<string, dgram.Socket>();
  core: TurnCore | undefined;
  /** `sock-buf-size`: buffer size of each relay socket in bytes; 0 keeps the system's */
  sockBufSize = 0;

  constructor(ports: RelayPortAllocator, addresses: RelayAddress[], now: () => number, guard: FaultGuard) {
    this.#ports = ports;
    this.#addresses = addresses;
    this.#now = now;
    this.#guard = guard;
  }

  /** Sends a datagram from a relayed address to a peer. */
  sendToPeer(relay: RelayEndpoint, peerIp: string, peerPort: number, data: Uint8Array): void {
    socketOf(relay).send(data, peerPort, peerIp);
  }

  /** Opens the sockets an Allocate asked for, then tells the core. */
  openRelays(alloc: Allocation, req: RelayRequest): void {
    this.#open(alloc, req).catch((err: unknown) => this.#guard.fault('relay-open', err));
  }

  async #open(alloc: Allocation, req: RelayRequest): Promise<void> {
    const core = this.core!;
    // Each round either binds every planned port or marks at least one busy, so this ends.
    for (;;) {
      const plan = planRelays(req, this.#addresses, this.#ports, this.#now(), this.#pick);
      if (!plan.ok) return core.relaysFailed(alloc, plan.code, this.#now());
      const bound = await this.#bindPlan(plan.relays, plan.token);
      if (bound === 'retry') continue;
      if (bound === 'failed') return core.relaysFailed(alloc, 508, this.#now());
      core.relaysOpened(alloc, bound, this.#now(), plan.token);
      for (const relay of alloc.relays) {
        socketOf(relay).on('message', this.#guard.wrap('relay-peer', (msg: Buffer, rinfo: dgram.RemoteInfo) => core.handlePeerData(relay, rinfo.address, rinfo.port, msg, this.#now())));
      }
      return;
    }
  }

  /** Binds every relay of a plan; on a port held elsewhere, marks it busy and gives the plan back. */
  async #bindPlan(relays: PlannedRelay[], token: Uint8Array | undefined): Promise<OpenedRelay[] | 'retry' | 'failed'> {
    const opened: OpenedRelay[] = [];
    const undo = (): void => {
      for (const o of opened) closeQuietly(socketOf(o));
    };
    for (const r of relays) {
      let socket: dgram.Socket | undefined;
      if (r.fromReservation) {
        // Bound when the reservation was made (RFC 8656 §14.9), so claiming it cannot fail.
        socket = this.#takeHeld(r.address.ip, r.port);
        if (socket === undefined) {
          this.#ports.release(r.address.ip, r.port);
          undo();
          return 'failed';
        }
      } else {
        socket = await bindUdp(r.address.ip, r.port, this.sockBufSize);
      }
      if (socket === undefined) {
        undo();
        abandonPlan({ ok: true, relays, token }, this.#ports);
        this.#busy(r.address.ip, r.port);
        return 'retry';
      }
      opened.push({ family: r.address.family, ip: r.address.ip, port: r.port, advertisedIp: r.address.advertisedIp, handle: jsHandle(socket) });
      if (r.reservedPort !== undefined && token !== undefined) {
        const next = await bindUdp(r.address.ip, r.reservedPort, this.sockBufSize);
        if (next === undefined) {
          undo();
          abandonPlan({ ok: true, relays, token }, this.#ports);
          this.#busy(r.address.ip, r.reservedPort);
          return 'retry';
        }
        this.#held.set(`${r.address.ip}|${r.reservedPort}`, next);
      }
    }
    return opened;
  }

  #takeHeld(ip: string, port: number): dgram.Socket | undefined {
    const key = `${ip}|${port}`;
    const socket = this.#held.get(key);
    this.#held.delete(key);
    return socket;
  }

  /** `port` is held by another process: skip it for a while. */
  #busy(ip: string, port: number): void {
    this.#ports.markBusy(ip, port, this.#now());
    this.core?.counters.drop('relay-port-held-elsewhere');
  }

  /** Closes the relay sockets of an allocation and returns their ports. */
  closeRelays(alloc: Allocation): void {
    this.closeEndpoints(alloc.relays);
  }

  /** Closes these relay sockets (all of this plane) and returns their ports. */
  closeEndpoints(relays: readonly RelayEndpoint[]): void {
    for (const r of relays) {
      closeQuietly(socketOf(r));
      this.#ports.release(r.ip, r.port);
    }
  }

  /** Periodic housekeeping: reservations nobody claimed close their held sockets. */
  tick(now: number): void {
    for (const res of this.#ports.tick(now)) {
      const socket = this.#takeHeld(res.ip, res.port);
      if (socket) closeQuietly(socket);
    }
  }

  /** Closes the sockets still held for reservations (shutdown). */
  closeHeld(): void {
    for (const socket of this.#held.values()) closeQuietly(socket);
    this.#held.clear();
  }
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}

function bindUdp(ip: string, port: number, sockBufSize: number): Promise<dgram.Socket | undefined> {
  const socket = dgram.createSocket(udpSocketOptions(ip, sockBufSize));
  return new Promise((resolve) => {
    const onError = (): void => {
      socket.close();
      resolve(undefined);
    };
    socket.once('error', onError);
    socket.bind(port, ip, () => {
      socket.off('error', onError);
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}
