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
import { ipLiteralLookup } from './udp-listener.ts';

/** A relay IP and the address advertised for it (`external-ip`). */
export interface RelayAddress {
  family: AddressFamily;
  ip: string;
  advertisedIp: string;
}

/** Attempts at binding before a port range is treated as exhausted. */
const BIND_ATTEMPTS = 16;

/** The relay side of the server: socket per relayed transport address. */
export class RelaySockets {
  readonly #ports: RelayPortAllocator;
  readonly #addresses: RelayAddress[];
  readonly #now: () => number;
  #next = 0;
  core: TurnCore | undefined;

  constructor(ports: RelayPortAllocator, addresses: RelayAddress[], now: () => number) {
    this.#ports = ports;
    this.#addresses = addresses;
    this.#now = now;
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
    void this.#open(alloc, req);
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
      socket.on('message', (msg, rinfo) => core.handlePeerData(relay, rinfo.address, rinfo.port, msg, this.#now()));
    }
  }

  async #bindReserved(token: Uint8Array): Promise<OpenedRelay | undefined> {
    const held = this.#ports.takeReserved(token, this.#now());
    if (!held) return undefined;
    const addr = this.#addresses.find((a) => a.ip === held.ip);
    const socket = addr ? await bindUdp(held.ip, held.port) : undefined;
    if (!addr || !socket) {
      this.#ports.release(held.ip, held.port);
      return undefined;
    }
    return { family: addr.family, ip: addr.ip, port: held.port, advertisedIp: addr.advertisedIp, handle: socket };
  }

  async #bindOne(addr: RelayAddress, even: boolean, reserveNext: boolean, setToken: (t: Uint8Array) => void): Promise<OpenedRelay | undefined> {
    for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      const got = this.#ports.take(addr.ip, even, reserveNext, this.#now());
      if (!got) return undefined;
      const socket = await bindUdp(addr.ip, got.port);
      if (socket) {
        if (got.token) setToken(got.token);
        return { family: addr.family, ip: addr.ip, port: got.port, advertisedIp: addr.advertisedIp, handle: socket };
      }
      // Another process holds this port: it stays marked used, and another one is tried.
    }
    return undefined;
  }

  #fail(alloc: Allocation, opened: OpenedRelay[], code: 440 | 508): void {
    for (const r of opened) this.#closeOne(r.ip, r.port, r.handle);
    this.core!.relaysFailed(alloc, code, this.#now());
  }

  #closeOne(ip: string, port: number, handle: unknown): void {
    try {
      (handle as dgram.Socket).close();
    } catch {
      // already closed
    }
    this.#ports.release(ip, port);
  }

  /** Closes the relay sockets of an allocation and returns their ports. */
  closeRelays(alloc: Allocation): void {
    for (const r of alloc.relays) this.#closeOne(r.ip, r.port, r.handle);
  }

  /** Periodic housekeeping (expired reservations). */
  tick(now: number): void {
    this.#ports.tick(now);
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
