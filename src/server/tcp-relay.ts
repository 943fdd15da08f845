/**
 * The RFC 6062 TCP relay driver: a listening TCP socket on each relayed transport address of a
 * TCP allocation (ports from the same `min-port`..`max-port` range as UDP relays), outgoing
 * connections to peers for Connect, and, once a ConnectionBind joined a client data
 * connection to a peer data connection, `pipe` both ways: the bytes move through Node's
 * streams with no per-chunk work of ours. Every decision is the TURN core's; this carries the
 * sockets and reports what happens to them.
 *
 * Outgoing connections leave from the relayed IP address with a port of the system's choosing:
 * Node cannot bind a connecting socket to the port its listening socket holds (coturn can,
 * with SO_REUSEPORT on both), so a peer sees the relay's address with another port.
 */
import net from 'node:net';
import type { FaultGuard } from '../log/fault-guard.ts';
import type { Allocation, RelayEndpoint, RelayHandle } from '../turn/allocation.ts';
import type { OpenedRelay, RelayRequest, TcpRelayOutput } from '../turn/core-output.ts';
import type { ClientTransport } from '../turn/five-tuple.ts';
import { planRelays, roundRobin, type PlannedRelay, type RelayAddress } from '../turn/relay-plan.ts';
import { RelayPortAllocator } from '../turn/relay-port-allocator.ts';
import type { TurnCore } from '../turn/turn-core.ts';
import { pooledRandom } from '../net/random-pool.ts';
import { takeOverConnection } from './stream-handover.ts';

export interface TcpRelayOptions {
  relayAddresses: readonly RelayAddress[];
  minPort: number;
  maxPort: number;
  now: () => number;
  guard: FaultGuard;
}

/** A peer data connection and, once bound, its client data connection. */
interface PeerConnection {
  readonly allocationId: number;
  readonly peer: net.Socket;
  client: net.Socket | undefined;
}

/** See the module comment. */
export class TcpRelay implements TcpRelayOutput {
  core: TurnCore | undefined;
  readonly #o: TcpRelayOptions;
  readonly #ports: RelayPortAllocator;
  readonly #pick = roundRobin();
  readonly #listeners = new Map<number, net.Server>();
  readonly #connections = new Map<number, PeerConnection>();
  #nextHandle = 1;

  constructor(o: TcpRelayOptions) {
    this.#o = o;
    this.#ports = new RelayPortAllocator(o.minPort, o.maxPort, pooledRandom());
  }

  openRelays(alloc: Allocation, req: RelayRequest): void {
    this.#open(alloc, req).catch((err: unknown) => this.#o.guard.fault('relay-open', err));
  }

  async #open(alloc: Allocation, req: RelayRequest): Promise<void> {
    const core = this.core!;
    // Each round either binds every planned port or marks one busy, so this ends.
    for (;;) {
      const now = this.#o.now();
      const plan = planRelays(req, this.#o.relayAddresses, this.#ports, now, this.#pick);
      if (!plan.ok) return core.relaysFailed(alloc, plan.code, now);
      const opened: OpenedRelay[] = [];
      let busy: PlannedRelay | undefined;
      for (const r of plan.relays) {
        const handle = await this.#listen(r.address.ip, r.port);
        if (handle === undefined) {
          busy = r;
          break;
        }
        opened.push({ family: r.address.family, ip: r.address.ip, port: r.port, advertisedIp: r.address.advertisedIp, handle });
      }
      if (busy !== undefined) {
        for (const o of opened) this.#closeListener(o.handle);
        for (const r of plan.relays) this.#ports.release(r.address.ip, r.port);
        this.#ports.markBusy(busy.address.ip, busy.port, this.#o.now());
        core.counters.drop('relay-port-held-elsewhere');
        continue;
      }
      core.relaysOpened(alloc, opened, this.#o.now());
      for (const relay of alloc.relays) {
        const server = this.#listeners.get(relay.handle.id);
        server?.on('connection', this.#o.guard.wrap('relay-peer', (socket: net.Socket) => this.#inbound(relay, socket)));
      }
      return;
    }
  }

  /** A listening socket on `ip:port`, or undefined when another process holds the port. */
  #listen(ip: string, port: number): Promise<RelayHandle | undefined> {
    // Paused on accept: a peer's bytes wait in the kernel until a ConnectionBind (RFC 6062 §5.3).
    const server = net.createServer({ pauseOnConnect: true });
    return new Promise((resolve) => {
      server.once('error', () => resolve(undefined));
      server.listen({ host: ip, port, exclusive: true, ipv6Only: ip.includes(':') }, () => {
        server.removeAllListeners('error');
        server.on('error', () => this.core?.counters.drop('stream-server-error'));
        const handle: RelayHandle = { plane: 'tcp', id: this.#nextHandle++ };
        this.#listeners.set(handle.id, server);
        resolve(handle);
      });
    });
  }

  #closeListener(handle: RelayHandle): void {
    const server = this.#listeners.get(handle.id);
    this.#listeners.delete(handle.id);
    server?.close();
  }

  /** RFC 6062 §5.3: a peer connected to a relayed address. */
  #inbound(relay: RelayEndpoint, socket: net.Socket): void {
    const id = this.core!.tcpPeerArrived(relay, socket.remoteAddress ?? '', socket.remotePort ?? 0, this.#o.now());
    if (id === 0) {
      socket.destroy();
      return;
    }
    this.#track(id, relay.allocation.id, socket);
  }

  connectPeer(relay: RelayEndpoint, connectionId: number, peerIp: string, peerPort: number): void {
    const socket = net.connect({ host: peerIp, port: peerPort, localAddress: relay.ip, family: relay.family === 'IPv6' ? 6 : 4 });
    this.#track(connectionId, relay.allocation.id, socket);
    socket.once('connect', this.#o.guard.wrap('relay-peer', () => {
      // Bytes the peer sends before the ConnectionBind wait (RFC 6062 §5.2).
      socket.pause();
      if (!this.core!.tcpPeerConnected(connectionId, true, this.#o.now())) this.closeConnection(connectionId);
    }));
  }

  #track(id: number, allocationId: number, peer: net.Socket): PeerConnection {
    const conn: PeerConnection = { allocationId, peer, client: undefined };
    this.#connections.set(id, conn);
    peer.setNoDelay(true);
    peer.on('error', () => this.core?.counters.drop('stream-socket-error'));
    peer.once('close', this.#o.guard.wrap('relay-peer', () => this.#closed(id, conn)));
    return conn;
  }

  /** Either side closed: so does the other, and the core hears how many bytes went each way. */
  #closed(id: number, conn: PeerConnection): void {
    if (this.#connections.get(id) !== conn) return;
    this.#connections.delete(id);
    conn.client?.destroy();
    // A Connect that never got through is a failure (447); the core tells them apart by state.
    this.core?.tcpConnectionClosed(id, conn.peer.bytesWritten, conn.peer.bytesRead);
  }

  bindConnection(connectionId: number, transport: ClientTransport): void {
    const conn = this.#connections.get(connectionId);
    const client = takeOverConnection(transport);
    if (conn === undefined || client === undefined) {
      client?.destroy();
      if (conn !== undefined) this.closeConnection(connectionId);
      return;
    }
    conn.client = client;
    const { peer } = conn;
    client.on('close', () => peer.destroy());
    client.on('error', () => peer.destroy());
    // RFC 6062 §5.4: from now on, raw bytes both ways.
    client.pipe(peer);
    peer.pipe(client);
  }

  closeConnection(connectionId: number): void {
    const conn = this.#connections.get(connectionId);
    if (conn === undefined) return;
    conn.peer.destroy();
    conn.client?.destroy();
  }

  closeRelays(alloc: Allocation): { toPeer: number; toClient: number } {
    for (const r of alloc.relays) {
      if (r.handle.plane !== 'tcp') continue;
      this.#closeListener(r.handle);
      this.#ports.release(r.ip, r.port);
    }
    const relayed = { toPeer: 0, toClient: 0 };
    for (const [id, conn] of this.#connections) {
      if (conn.allocationId !== alloc.id) continue;
      relayed.toPeer += conn.peer.bytesWritten;
      relayed.toClient += conn.peer.bytesRead;
      this.closeConnection(id);
    }
    return relayed;
  }

  /** The 1-second sweep: busy marks that are over. */
  tick(now: number): void {
    this.#ports.tick(now);
  }

  /** Relay ports TCP allocations hold. */
  relayPorts(): { inUse: number; busy: number; reserved: number } {
    return this.#ports.usage(this.#o.relayAddresses.map((r) => r.ip));
  }

  /** Closes every listening socket and connection. */
  async close(): Promise<void> {
    for (const id of [...this.#connections.keys()]) this.closeConnection(id);
    const servers = [...this.#listeners.values()];
    this.#listeners.clear();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
