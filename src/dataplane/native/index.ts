/**
 * The `native` data plane: the Node-API addon of `native/` relays with no JavaScript per
 * datagram (RFC 8656 §11–§12). Its worker threads own the UDP client transports (one socket
 * per listening address per thread, `SO_REUSEPORT`) and the relay sockets of UDP clients'
 * allocations; this class turns the core's decisions into their commands:
 *
 * - an allocation's relay sockets are opened on the thread its client's 5-tuple arrives on;
 * - every row the core publishes goes to that thread, in order, before the core's answer
 *   leaves, so a client never sends what its row does not cover yet;
 * - what the rows cannot decide (STUN requests, unusual indications) comes up in batches and
 *   enters the core as through the `js` plane.
 *
 * TCP and TLS client transports stay in JavaScript, and their allocations get `js` relay
 * sockets: the relayed data has to cross into JavaScript to reach the stream anyway.
 */
import dgram from 'node:dgram';
import { ErrorCode, TurnpikeError } from '../../errors.ts';
import type { FaultGuard } from '../../log/fault-guard.ts';
import { pooledRandom } from '../../net/random-pool.ts';
import { ingestGuarded, type Ingress } from '../../server/ingress.ts';
import { nextTransportId } from '../../server/transport-ids.ts';
import type { Allocation, RelayEndpoint, RelayHandle, TrafficCounters } from '../../turn/allocation.ts';
import type { OpenedRelay, RelayRequest } from '../../turn/core-output.ts';
import type { ClientTransport } from '../../turn/five-tuple.ts';
import type { ForwardingEntry } from '../../turn/forwarding.ts';
import { RelayPortAllocator } from '../../turn/relay-port-allocator.ts';
import { abandonPlan, planRelays, roundRobin, type RelayAddress } from '../../turn/relay-plan.ts';
import type { TurnCore } from '../../turn/turn-core.ts';
import { RelaySockets } from '../js/relay-sockets.ts';
import { ipLiteralLookup } from '../js/udp-listener.ts';
import type { DataPlane, DataPlaneStats, UdpListening } from '../types.ts';
import type { NativeAddon, NativePlaneHandle } from './addon.ts';
import { encodeRow } from './row-codec.ts';
import { Outbox } from './outbox.ts';

/** A relay socket of the native plane. */
export interface NativeRelayHandle extends RelayHandle {
  readonly plane: 'native';
  /** the worker thread whose epoll reads it */
  readonly thread: number;
  /** its file descriptor, for the rare datagram the core itself sends to a peer */
  readonly fd: number;
}

/** A UDP client transport of one listening address on one worker thread. */
interface NativeTransport extends ClientTransport {
  readonly listenerId: number;
  readonly thread: number;
}

/** What the native plane is built from. */
export interface NativeDataPlaneOptions {
  addon: NativeAddon;
  threads: number;
  relayAddresses: RelayAddress[];
  minPort: number;
  maxPort: number;
  bpsCapacity: number;
  maxChannelNumber: number;
  /** RFC 8016 mobility is on: a moved client's ChannelData may reach a thread its row is not on */
  mobility?: boolean;
  now: () => number;
  guard: FaultGuard;
}

const decoder = new TextDecoder('latin1');

/** See the module comment. */
export class NativeDataPlane implements DataPlane {
  readonly kind = 'native' as const;
  readonly threads: number;
  readonly #addon: NativeAddon;
  readonly #plane: NativePlaneHandle;
  readonly #ports: RelayPortAllocator;
  readonly #addresses: RelayAddress[];
  readonly #now: () => number;
  readonly #guard: FaultGuard;
  readonly #pick = roundRobin();
  /** relay sockets of TCP and TLS clients' allocations */
  readonly #jsRelays: RelaySockets;
  /** [listenerId][thread] → transport */
  readonly #transports: NativeTransport[][] = [];
  readonly #byTransportId = new Map<number, NativeTransport>();
  /** allocation id → the thread its row lives on */
  readonly #rowThread = new Map<number, number>();
  /** sockets holding ports reserved under a RESERVATION-TOKEN (RFC 8656 §14.9), by "ip|port" */
  readonly #held = new Map<string, dgram.Socket>();
  readonly #counterNames: string[];
  #ingress: Ingress | undefined;
  #closed = false;
  /** answers gathered while a batch is handled */
  readonly #outbox = new Outbox();
  #inBatch = false;

  constructor(o: NativeDataPlaneOptions) {
    this.#addon = o.addon;
    this.threads = o.threads;
    this.#addresses = o.relayAddresses;
    this.#now = o.now;
    this.#guard = o.guard;
    this.#ports = new RelayPortAllocator(o.minPort, o.maxPort, pooledRandom());
    this.#jsRelays = new RelaySockets(this.#ports, o.relayAddresses, o.now, o.guard);
    this.#counterNames = o.addon.counterNames();
    this.#plane = o.addon.createPlane(o.threads, o.bpsCapacity, o.maxChannelNumber, (batch) => this.#onBatch(batch), o.mobility === true ? 1 : 0);
  }

  attach(core: TurnCore, ingress: Ingress): void {
    this.#jsRelays.core = core;
    this.#ingress = ingress;
    core.counters.addSource(() => this.#counterRecord());
  }

  async listenUdp(ip: string, port: number): Promise<UdpListening> {
    let got: number[];
    try {
      got = this.#addon.listen(this.#plane, ip, port);
    } catch (err) {
      const v6 = ip.includes(':');
      throw new TurnpikeError(ErrorCode.LISTEN_FAILED, `cannot listen on UDP ${v6 ? `[${ip}]` : ip}:${port}: ${(err as Error).message}`, { cause: err });
    }
    const [listenerId, boundPort, ...fds] = got;
    const transports: NativeTransport[] = fds.map((fd, thread) => ({
      id: nextTransportId(),
      protocol: 'udp',
      localIp: ip,
      localPort: boundPort,
      listenerId,
      thread,
      send: (toIp: string, toPort: number, data: Uint8Array) => this.#send(fd, toIp, toPort, data),
    }));
    this.#transports[listenerId] = transports;
    for (const t of transports) this.#byTransportId.set(t.id, t);
    // The sockets belong to the plane: they close with it.
    return { localIp: ip, localPort: boundPort, transports, close: async () => {} };
  }

  /** An answer of the core: gathered while a batch is handled, sent at once otherwise. */
  #send(fd: number, ip: string, port: number, data: Uint8Array): void {
    if (this.#inBatch && this.#outbox.add(fd, ip, port, data)) return;
    this.#addon.send(fd, ip, port, data);
  }

  /** One batch of datagrams the rows could not decide: into the core, one by one. */
  #onBatch(batch: ArrayBuffer): void {
    const ing = this.#ingress;
    if (ing === undefined || this.#closed) return;
    this.#inBatch = true;
    try {
      this.#handleBatch(ing, batch);
    } finally {
      this.#inBatch = false;
      if (this.#outbox.count > 0) this.#addon.sendMany(this.#outbox.take());
    }
  }

  #handleBatch(ing: Ingress, batch: ArrayBuffer): void {
    const bytes = new Uint8Array(batch);
    const view = new DataView(batch);
    let o = 0;
    while (o + 16 <= bytes.length) {
      const recLen = view.getUint32(o, true);
      const listenerId = view.getUint32(o + 4, true);
      const port = view.getUint16(o + 8, true);
      const dataLen = view.getUint16(o + 10, true);
      const thread = bytes[o + 12];
      const ipLen = bytes[o + 13];
      if (recLen < 16 || o + recLen > bytes.length) break;
      const transport = this.#transports[listenerId]?.[thread];
      if (transport !== undefined) {
        const ip = decoder.decode(bytes.subarray(o + 16, o + 16 + ipLen));
        ingestGuarded(ing, 'udp-ingress', transport, ip, port, bytes.subarray(o + 16 + ipLen, o + 16 + ipLen + dataLen));
      }
      o += recLen;
    }
  }

  sendToPeer(relay: RelayEndpoint, peerIp: string, peerPort: number, data: Uint8Array): void {
    if (relay.handle.plane === 'native') this.#addon.send((relay.handle as NativeRelayHandle).fd, peerIp, peerPort, data);
    else this.#jsRelays.sendToPeer(relay, peerIp, peerPort, data);
  }

  openRelays(alloc: Allocation, req: RelayRequest): void {
    const transport = this.#byTransportId.get(alloc.transport.id);
    if (transport === undefined) return this.#jsRelays.openRelays(alloc, req);
    try {
      this.#openNative(alloc, req, transport.thread);
    } catch (err) {
      this.#guard.fault('relay-open', err);
    }
  }

  /** Binds what the relay plan names on `thread`; a port held elsewhere is marked busy and the plan made again. */
  #openNative(alloc: Allocation, req: RelayRequest, thread: number): void {
    const core = this.#jsRelays.core!;
    for (;;) {
      const plan = planRelays(req, this.#addresses, this.#ports, this.#now(), this.#pick);
      if (!plan.ok) return core.relaysFailed(alloc, plan.code, this.#now());
      const opened: OpenedRelay[] = [];
      let busy: { ip: string; port: number } | undefined;
      for (const r of plan.relays) {
        // A reserved port was held by a plain socket (the claiming client may be on any thread).
        if (r.fromReservation) this.#release(r.address.ip, r.port);
        const [id, fd] = this.#addon.openRelay(this.#plane, thread, r.address.ip, r.port);
        if (id <= 0) {
          busy = { ip: r.address.ip, port: r.port };
          break;
        }
        const handle: NativeRelayHandle = { plane: 'native', id, thread, fd };
        opened.push({ family: r.address.family, ip: r.address.ip, port: r.port, advertisedIp: r.address.advertisedIp, handle });
        if (r.reservedPort !== undefined && !this.#hold(r.address.ip, r.reservedPort)) {
          busy = { ip: r.address.ip, port: r.reservedPort };
          break;
        }
      }
      if (busy === undefined) return core.relaysOpened(alloc, opened, this.#now(), plan.token);
      for (const o of opened) this.#addon.closeRelay(this.#plane, thread, o.handle.id);
      if (plan.relays.some((r) => r.fromReservation)) {
        for (const r of plan.relays) this.#ports.release(r.address.ip, r.port);
        return core.relaysFailed(alloc, 508, this.#now());
      }
      abandonPlan(plan, this.#ports);
      this.#ports.markBusy(busy.ip, busy.port, this.#now());
      core.counters.drop('relay-port-held-elsewhere');
    }
  }

  /** Holds a reserved port with a plain socket until its token is claimed or expires. */
  #hold(ip: string, port: number): boolean {
    const v6 = ip.includes(':');
    const socket = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6, lookup: ipLiteralLookup as never });
    try {
      // bindSync-like: a failure to bind surfaces as an 'error' event, after which the port is released.
      socket.on('error', () => {
        this.#held.delete(`${ip}|${port}`);
        socket.close();
      });
      socket.bind(port, ip);
      socket.unref();
      this.#held.set(`${ip}|${port}`, socket);
      return true;
    } catch {
      return false;
    }
  }

  #release(ip: string, port: number): void {
    const key = `${ip}|${port}`;
    const socket = this.#held.get(key);
    this.#held.delete(key);
    try {
      socket?.close();
    } catch {
      // already closed
    }
  }

  closeRelays(alloc: Allocation): void {
    const native = alloc.relays.filter((r) => r.handle.plane === 'native');
    for (const r of native) {
      const h = r.handle as NativeRelayHandle;
      this.#addon.closeRelay(this.#plane, h.thread, h.id);
      this.#ports.release(r.ip, r.port);
    }
    if (native.length < alloc.relays.length) this.#jsRelays.closeEndpoints(alloc.relays.filter((r) => r.handle.plane !== 'native'));
  }

  upsert(entry: ForwardingEntry): void {
    const transport = this.#byTransportId.get(entry.transport.id);
    if (transport === undefined) {
      // A TCP or TLS client: the core relays for it (RFC 8016: one may have moved there from UDP).
      if (this.#rowThread.has(entry.id)) this.remove(entry.id);
      return;
    }
    const relayIds = entry.relays.map((r) => (r.handle.plane === 'native' ? r.handle.id : 0));
    // The row stays on the thread that owns its relay sockets: after an RFC 8016 move the new
    // 5-tuple may arrive on another thread, whose datagrams the core then relays.
    const thread = this.#rowThread.get(entry.id) ?? transport.thread;
    this.#addon.upsert(this.#plane, thread, encodeRow(entry, transport.listenerId, relayIds));
    this.#rowThread.set(entry.id, thread);
  }

  remove(allocationId: number): TrafficCounters | undefined {
    const thread = this.#rowThread.get(allocationId);
    if (thread === undefined) return undefined;
    this.#rowThread.delete(allocationId);
    const t = this.#addon.remove(this.#plane, thread, allocationId);
    return t === null ? undefined : { rxPackets: t[0], rxBytes: t[1], txPackets: t[2], txBytes: t[3], dropped: t[4] };
  }

  /** Traffic the plane relayed for an allocation so far (for live views; the core adds it at deletion). */
  traffic(allocationId: number): TrafficCounters | undefined {
    const thread = this.#rowThread.get(allocationId);
    const t = thread === undefined ? null : this.#addon.traffic(this.#plane, thread, allocationId);
    return t === null ? undefined : { rxPackets: t[0], rxBytes: t[1], txPackets: t[2], txBytes: t[3], dropped: t[4] };
  }

  tick(now: number): void {
    for (const res of this.#ports.tick(now)) this.#release(res.ip, res.port);
    this.#jsRelays.tick(now);
  }

  relayPorts(): { inUse: number; busy: number; reserved: number } {
    return this.#ports.usage(this.#addresses.map((r) => r.ip));
  }

  #counterRecord(): Record<string, number> {
    if (this.#closed) return {};
    const values = this.#addon.counters(this.#plane);
    const out: Record<string, number> = {};
    this.#counterNames.forEach((name, i) => (out[name] = values[i]));
    return out;
  }

  stats(): DataPlaneStats {
    return { kind: 'native', threads: this.threads, counters: this.#counterRecord() };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#addon.close(this.#plane);
    for (const key of [...this.#held.keys()]) {
      const [ip, port] = key.split('|');
      this.#release(ip, Number(port));
    }
    this.#jsRelays.closeHeld();
  }
}
