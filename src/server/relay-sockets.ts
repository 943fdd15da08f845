/**
 * The UDP relay driver: binds relay sockets for allocations (retrying ports that another
 * process holds), carries datagrams to peers, and feeds what peers send back into the core.
 */
import dgram from 'node:dgram';
import type { AddressFamily } from '../stun/types.ts';
import type { Allocation, RelayEndpoint } from '../turn/allocation.ts';
import type { OpenedRelay, RelayRequest } from '../turn/core-output.ts';
import type { RelayPortAllocator } from '../turn/relay-port-allocator.ts';
import type { TurnCore } from '../turn/turn-core.ts';
import type { FaultGuard } from '../log/fault-guard.ts';
import { ipLiteralLookup } from './udp-listener.ts';

/** A relay IP and the address advertised for it (`external-ip`). */
export interface RelayAddress {
  family: AddressFamily;
  ip: string;
  advertisedIp: string;
}

/** The relay side of the server: socket per relayed transport address. */
export class RelaySockets {
  readonly #ports: RelayPortAllocator;
  readonly #addresses: RelayAddress[];
  readonly #now: () => number;
  readonly #guard: FaultGuard;
  /** sockets bound for ports held under a RESERVATION-TOKEN (hex), until claimed or expired */
  readonly #held = new Map<string, dgram.Socket>();
  #next = 0;
  core: TurnCore | undefined;

  constructor(ports: RelayPortAllocator, addresses: RelayAddress[], now: () => number, guard: FaultGuard) {
    this.#ports = ports;
    this.#addresses = addresses;
    this.#now = now;
    this.#guard = guard;
  }

  /** Families for which a relay address exists. */
  get families(): AddressFamily[] {
    return [...new Set(this.#addresses.map((a) => a.family))];
  }

  #addressFor(family: AddressFamily): RelayAddress | undefined {
    const list = this.#addresses.filter((a) => a.family === family);
    if (list.length === 0) return undefined;
    return list[this.#next++ % list.length];
  }

  /** Sends a datagram from a relayed address to a peer. */
  sendToPeer(relay: RelayEndpoint, peerIp: string, peerPort: number, data: Uint8Array): void {
    (relay.handle as dgram.Socket).send(data, peerPort, peerIp);
  }

  /** Opens the sockets an Allocate asked for, then tells the core. */
  openRelays(alloc: Allocation, req: RelayRequest): void {
    this.#open(alloc, req).catch((err: unknown) => this.#guard.fault('relay-open', err));
  }

  async #open(alloc: Allocation, req: RelayRequest): Promise<void> {
    const core = this.core!;
    const opened: OpenedRelay[] = [];
    let token: Uint8Array | undefined;
    if (req.reservationToken) {
      // RFC 8656 §7.2: the reserved port decides the relay address (and so the family).
      const held = await this.#bindReserved(req.reservationToken);
      if (!held) return this.#fail(alloc, opened, 508);
      opened.push(held);
    } else {
      for (const family of req.families) {
        const addr = this.#addressFor(family);
        if (!addr) return this.#fail(alloc, opened, 440);
        const primary = family === req.families[0];
        const bound = await this.#bindOne(addr, primary && req.evenPort, primary && req.reserveNext, (t) => (token = t));
        if (!bound) return this.#fail(alloc, opened, 508);
        opened.push(bound);
      }
    }
    core.relaysOpened(alloc, opened, this.#now(), token);
    for (const relay of alloc.relays) {
      const socket = relay.handle as dgram.Socket;
      socket.on('message', this.#guard.wrap('relay-peer', (msg: Buffer, rinfo: dgram.RemoteInfo) => core.handlePeerData(relay, rinfo.address, rinfo.port, msg, this.#now())));
    }
  }

  async #bindReserved(token: Uint8Array): Promise<OpenedRelay | undefined> {
    const hex = Buffer.from(token).toString('hex');
    const held = this.#ports.takeReserved(token, this.#now());
    const socket = this.#held.get(hex);
    this.#held.delete(hex);
    const addr = held && this.#addresses.find((a) => a.ip === held.ip);
    if (!held || !addr || !socket) {
      if (socket) closeQuietly(socket);
      if (held) this.#ports.release(held.ip, held.port);
      return undefined;
    }
    return { family: addr.family, ip: addr.ip, port: held.port, advertisedIp: addr.advertisedIp, handle: socket };
  }

  /**
   * Binds a port from the allocator, and with `reserveNext` the next one too (held until its
   * token is claimed). A port another process holds is marked busy and the next candidate
   * tried, so only a range with no free port at all ends in undefined (508).
   */
  async #bindOne(addr: RelayAddress, even: boolean, reserveNext: boolean, setToken: (t: Uint8Array) => void): Promise<OpenedRelay | undefined> {
    for (;;) {
      const got = this.#ports.take(addr.ip, even, reserveNext, this.#now());
      if (!got) return undefined;
      const socket = await bindUdp(addr.ip, got.port);
      if (!socket) {
        this.#busy(addr.ip, got.port, got.token);
        continue;
      }
      if (got.token) {
        // RFC 8656 §14.9: the reserved port is bound now, so the Allocate that claims it cannot fail.
        const next = await bindUdp(addr.ip, got.port + 1);
        if (!next) {
          closeQuietly(socket);
          this.#ports.release(addr.ip, got.port);
          this.#busy(addr.ip, got.port + 1, got.token);
          continue;
        }
        this.#held.set(Buffer.from(got.token).toString('hex'), next);
        setToken(got.token);
      }
      return { family: addr.family, ip: addr.ip, port: got.port, advertisedIp: addr.advertisedIp, handle: socket };
    }
  }

  /** `port` is held by another process: skip it for a while (and drop the reservation that named it). */
  #busy(ip: string, port: number, token: Uint8Array | undefined): void {
    if (token) this.#ports.cancelReservation(token);
    this.#ports.markBusy(ip, port, this.#now());
    this.core?.counters.drop('relay-port-held-elsewhere');
  }

  #fail(alloc: Allocation, opened: OpenedRelay[], code: 440 | 508): void {
    for (const r of opened) this.#closeOne(r.ip, r.port, r.handle);
    this.core!.relaysFailed(alloc, code, this.#now());
  }

  #closeOne(ip: string, port: number, handle: unknown): void {
    closeQuietly(handle as dgram.Socket);
    this.#ports.release(ip, port);
  }

  /** Closes the relay sockets of an allocation and returns their ports. */
  closeRelays(alloc: Allocation): void {
    for (const r of alloc.relays) this.#closeOne(r.ip, r.port, r.handle);
  }

  /** Periodic housekeeping: reservations nobody claimed close their held sockets. */
  tick(now: number): void {
    for (const res of this.#ports.tick(now)) {
      const socket = this.#held.get(res.token);
      this.#held.delete(res.token);
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

function bindUdp(ip: string, port: number): Promise<dgram.Socket | undefined> {
  const v6 = ip.includes(':');
  const socket = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6, lookup: ipLiteralLookup as never });
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
