/**
 * The room service of a cluster node: it puts each room on exactly one node. A join claims the
 * room's lease (or finds its owner); on this node it goes to the local rooms, otherwise the
 * client's signalling is relayed to the owner (`relayed-peer.ts`) and the client never notices.
 * While a room has peers here its lease is renewed; when it empties, the lease is given back.
 * The local rooms know nothing of any of this: they are the `RoomService` this one wraps.
 */
import { randomUUID } from 'node:crypto';
import type { Outcome, PeerHandle, RoomService, SignalSink } from '../room/types.ts';
import type { JoinParams } from '../signal/schema.ts';
import type { SfuLog } from '../signal/ws-endpoint.ts';
import type { RelayBus } from './bus.ts';
import type { RoomLeases } from './lease.ts';
import { RelayHost } from './relay-host.ts';
import { RelayedPeer, type EndingSink } from './relayed-peer.ts';
import type { RelayMessage, RelayRef } from './relay-protocol.ts';

type JoinOutcome = Outcome<{ peer: PeerHandle; answer: string }>;

/** Peers of one room on this node (direct or relayed), and joins still in flight. */
interface OwnedRoom {
  readonly members: Set<{ readonly peer: PeerHandle; readonly sink: EndingSink }>;
  pending: number;
  /** whether this node claimed the lease (else the entry only counts joins asking about it) */
  held: boolean;
}

/** Cluster figures. */
export interface ClusterStats {
  /** rooms whose lease this node holds */
  ownedRooms: number;
  /** clients connected here whose room is on another node */
  relayedOut: number;
  /** clients of rooms here connected through another node */
  relayedIn: number;
}

/** What {@link ClusterRooms} is built from. */
export interface ClusterRoomsOptions {
  readonly node: string;
  readonly local: RoomService;
  readonly leases: RoomLeases;
  readonly bus: RelayBus;
  /** resolves once this node hears its channel */
  readonly ready: () => Promise<void>;
  readonly log: SfuLog;
}

/** Rooms placed on nodes by lease, with signalling relayed to the owner. */
export class ClusterRooms implements RoomService {
  readonly #o: ClusterRoomsOptions;
  readonly #host: RelayHost;
  readonly #owned = new Map<string, OwnedRoom>();
  readonly #relayed = new Map<RelayRef, RelayedPeer>();
  readonly #releases = new Set<Promise<unknown>>();
  #closing = false;

  constructor(o: ClusterRoomsOptions) {
    this.#o = o;
    this.#host = new RelayHost({
      bus: o.bus,
      log: o.log,
      join: async (params, sink) => {
        const r = await this.#joinHere(params, sink);
        return 'owner' in r ? 'moved' : r;
      },
    });
  }

  /** A message from another node. */
  receive(msg: RelayMessage): void {
    if (msg.kind === 'call' || msg.kind === 'leave') this.#host.handle(msg);
    else this.#relayed.get(msg.ref)?.handle(msg);
  }

  async join(params: JoinParams, sink: SignalSink): Promise<JoinOutcome> {
    try {
      await this.#o.ready();
    } catch (err) {
      return { ok: false, error: `cluster unavailable: ${(err as Error).message}` };
    }
    // A dead owner's lease lasts up to its TTL; a join that meets one waits that long, then claims.
    const deadline = Date.now() + this.#o.leases.ttlMs * 2 + 5000;
    let relayed: RelayedPeer | undefined;
    for (;;) {
      if (this.#closing) return { ok: false, error: 'server shutting down' };
      if (relayed?.closed) return { ok: false, error: "the room's node is gone" };
      const here = await this.#joinHere(params, sink);
      if (!('owner' in here)) return here;
      if (here.owner !== undefined) {
        relayed ??= this.#newRelayed(params, here.owner, sink);
        relayed.owner = here.owner;
        this.#relayed.set(relayed.ref, relayed);
        const r = await relayed.call('join', params);
        if (r.kind === 'ok') {
          relayed.joined = true;
          return { ok: true, value: { peer: relayed, answer: r.sdp ?? '' } };
        }
        if (r.kind === 'error') {
          this.#relayed.delete(relayed.ref);
          return { ok: false, error: r.error };
        }
        // 'moved' (the lease changed hands) or 'gone' (the owner died): look again shortly.
      }
      if (Date.now() > deadline) {
        if (relayed) this.#relayed.delete(relayed.ref);
        return { ok: false, error: "the room's node is not reachable" };
      }
      await new Promise((resolve) => setTimeout(resolve, this.#o.leases.ttlMs / 4));
    }
  }

  #newRelayed(params: JoinParams, owner: string, sink: SignalSink): RelayedPeer {
    const ref = randomUUID();
    const forget = () => this.#relayed.delete(ref);
    return new RelayedPeer({ ref, room: params.sid, id: params.uid || ref, owner, node: this.#o.node, bus: this.#o.bus, sink, forget });
  }

  /** Joins the local rooms if this node owns (or now claims) the room; else names the owner. */
  async #joinHere(params: JoinParams, sink: EndingSink): Promise<JoinOutcome | { owner: string | undefined }> {
    const sid = params.sid;
    let room = this.#owned.get(sid);
    if (!room) this.#owned.set(sid, (room = { members: new Set(), pending: 0, held: false }));
    room.pending++;
    try {
      let owner: string | undefined;
      try {
        owner = await this.#o.leases.acquire(sid);
      } catch (err) {
        return { ok: false, error: `cluster unavailable: ${(err as Error).message}` };
      }
      if (owner !== this.#o.node) return { owner };
      room.held = true;
      const r = await this.#o.local.join(params, sink);
      if (!r.ok) return r;
      return { ok: true, value: { peer: this.#track(sid, room, r.value.peer, sink), answer: r.value.answer } };
    } finally {
      room.pending--;
      this.#settle(sid, room);
    }
  }

  /** Wraps a local peer so that its leaving is counted. */
  #track(sid: string, room: OwnedRoom, peer: PeerHandle, sink: EndingSink): PeerHandle {
    const member = { peer, sink };
    room.members.add(member);
    return {
      id: peer.id,
      offer: (sdp) => peer.offer(sdp),
      answer: (sdp) => peer.answer(sdp),
      trickle: (target, c) => peer.trickle(target, c),
      close: () => {
        peer.close();
        if (room.members.delete(member)) this.#settle(sid, room);
      },
    };
  }

  /** An empty room gives its lease back (in the same tick, so no join slips in between). */
  #settle(sid: string, room: OwnedRoom): void {
    if (room.members.size > 0 || room.pending > 0 || this.#owned.get(sid) !== room) return;
    this.#owned.delete(sid);
    if (!room.held) return;
    const p = this.#o.leases.release(sid).catch((err: unknown) => this.#o.log.warn('sfu.cluster.release_failed', { room: sid, error: String(err) }));
    this.#releases.add(p);
    void p.finally(() => this.#releases.delete(p));
  }

  /** Ends every peer of a room this node lost: their clients reconnect and find the new owner. */
  #endRoom(sid: string, reason: string): void {
    const room = this.#owned.get(sid);
    if (!room) return;
    this.#owned.delete(sid);
    this.#o.log.warn('sfu.cluster.room_lost', { room: sid, peers: room.members.size });
    for (const m of [...room.members]) {
      m.sink.end?.(reason);
      m.peer.close();
    }
  }

  /**
   * The periodic check (every third of the lease TTL): renew this node's leases, drop relayed
   * sessions whose entry node died, and disconnect clients whose room's node is gone.
   */
  async sweep(): Promise<void> {
    // Renewals go out together (ioredis pipelines them on one connection).
    const held = [...this.#owned].filter(([, room]) => room.held);
    const renewed = await Promise.all(held.map(([sid]) => this.#o.leases.renew(sid)));
    held.forEach(([sid, room], i) => {
      if (!renewed[i] && this.#owned.get(sid) === room) this.#endRoom(sid, 'the room moved to another node');
    });
    await this.#host.sweep();
    const owners = new Map<string, string | undefined>();
    for (const peer of [...this.#relayed.values()]) {
      // A join still in flight retries by itself until the dead owner's lease runs out.
      if (!peer.joined) continue;
      if (!owners.has(peer.room)) owners.set(peer.room, await this.#o.leases.owner(peer.room));
      if (owners.get(peer.room) !== peer.owner) peer.end("the room's node is gone");
    }
  }

  stats(): ClusterStats {
    return { ownedRooms: this.#owned.size, relayedOut: this.#relayed.size, relayedIn: this.#host.size };
  }

  /** Ends relayed sessions both ways and gives back every lease once the local peers are gone. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#host.close('server shutting down');
    for (const peer of [...this.#relayed.values()]) peer.end('server shutting down');
    for (const [sid, room] of [...this.#owned]) {
      for (const m of [...room.members]) m.peer.close();
      this.#owned.delete(sid);
      if (room.held) this.#releases.add(this.#o.leases.release(sid).catch(() => {}));
    }
    await Promise.all(this.#releases);
  }
}
