/**
 * The owner node's side of relayed clients: each relayed session is a peer of a local room whose
 * signalling sink publishes back to the entry node. Calls are checked with the same schema the
 * WebSocket endpoint uses, since a message from another node is still a client's message.
 */
import type { Outcome, PeerHandle } from '../room/types.ts';
import { SfuErrorText } from '../signal/connection.ts';
import { checkAnswer, checkJoin, checkOffer, checkTrickle, offerNotification, trickleNotification, type JoinParams } from '../signal/schema.ts';
import type { SfuLog } from '../signal/ws-endpoint.ts';
import type { RelayBus } from './bus.ts';
import type { EndingSink } from './relayed-peer.ts';
import type { RelayRef, ToEntry, ToOwner } from './relay-protocol.ts';

/** A join on this node: the peer and its answer, a refusal, or "this node does not own the room". */
export type HostJoin = (params: JoinParams, sink: EndingSink) => Promise<Outcome<{ peer: PeerHandle; answer: string }> | 'moved'>;

interface Hosted {
  readonly from: string;
  readonly ref: RelayRef;
  peer: PeerHandle | undefined;
  closed: boolean;
}

/** Relayed sessions hosted by this node. */
export class RelayHost {
  readonly #bus: RelayBus;
  readonly #join: HostJoin;
  readonly #log: SfuLog;
  readonly #sessions = new Map<RelayRef, Hosted>();

  constructor(o: { bus: RelayBus; join: HostJoin; log: SfuLog }) {
    this.#bus = o.bus;
    this.#join = o.join;
    this.#log = o.log;
  }

  /** Relayed sessions now hosted. */
  get size(): number {
    return this.#sessions.size;
  }

  #reply(h: Hosted, msg: ToEntry): void {
    this.#bus.send(h.from, msg).catch((err: unknown) => this.#log.warn('sfu.cluster.send_failed', { to: h.from, error: String(err) }));
  }

  #answer(h: Hosted, req: number | null, r: Outcome<string | null>): void {
    if (req === null) return;
    this.#reply(h, r.ok ? { kind: 'reply', ref: h.ref, req, ok: true, sdp: r.value } : { kind: 'reply', ref: h.ref, req, ok: false, error: r.error });
  }

  /** One message from an entry node. */
  handle(msg: ToOwner): void {
    const h = this.#sessions.get(msg.ref);
    if (msg.kind === 'leave') {
      if (h) this.#drop(h);
      return;
    }
    if (msg.method === 'join') {
      void this.#hostJoin(msg.from, msg.ref, msg.req, msg.params);
      return;
    }
    const target: Hosted = h ?? { from: msg.from, ref: msg.ref, peer: undefined, closed: true };
    const peer = h?.peer;
    if (!peer) return this.#answer(target, msg.req, { ok: false, error: SfuErrorText.notJoined });
    if (msg.method === 'trickle') {
      const t = checkTrickle(msg.params);
      const r = t.ok ? peer.trickle(t.value.target, t.value.candidate) : t;
      if (!r.ok) this.#log.debug('sfu.cluster.trickle_refused', { ref: msg.ref, error: r.error });
      return;
    }
    const check = msg.method === 'offer' ? checkOffer(msg.params) : checkAnswer(msg.params);
    if (!check.ok) return this.#answer(target, msg.req, { ok: false, error: `invalid params: ${check.error}` });
    const sdp = check.value.desc.sdp;
    const done = msg.method === 'offer' ? peer.offer(sdp) : peer.answer(sdp).then((r) => (r.ok ? { ok: true as const, value: null } : r));
    void done.then(
      (r) => this.#answer(target, msg.req, r),
      (err: unknown) => this.#answer(target, msg.req, { ok: false, error: `internal error: ${String(err)}` }),
    );
  }

  async #hostJoin(from: string, ref: RelayRef, req: number | null, params: unknown): Promise<void> {
    const h: Hosted = { from, ref, peer: undefined, closed: false };
    if (req === null) return;
    if (this.#sessions.has(ref)) return this.#answer(h, req, { ok: false, error: SfuErrorText.alreadyJoined });
    const p = checkJoin(params);
    if (!p.ok) return this.#answer(h, req, { ok: false, error: `invalid params: ${p.error}` });
    this.#sessions.set(ref, h);
    const sink: EndingSink = {
      offer: (sdp) => !h.closed && this.#reply(h, { kind: 'notify', ref, method: 'offer', params: offerNotification(sdp).params }),
      trickle: (target, c) => !h.closed && this.#reply(h, { kind: 'notify', ref, method: 'trickle', params: trickleNotification(target, c).params }),
      end: (reason) => {
        if (!h.closed) this.#reply(h, { kind: 'ended', ref, reason });
        this.#drop(h);
      },
    };
    let r: Awaited<ReturnType<HostJoin>>;
    try {
      r = await this.#join(p.value, sink);
    } catch (err) {
      r = { ok: false, error: `internal error: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (r === 'moved' || !r.ok) {
      if (this.#sessions.get(ref) === h) this.#sessions.delete(ref);
      if (r === 'moved') this.#reply(h, { kind: 'moved', ref, req });
      else this.#answer(h, req, r);
      return;
    }
    if (h.closed) {
      // The client left (or its node died) while the join was in flight.
      r.value.peer.close();
      return;
    }
    h.peer = r.value.peer;
    this.#answer(h, req, { ok: true, value: r.value.answer });
  }

  #drop(h: Hosted): void {
    h.closed = true;
    if (this.#sessions.get(h.ref) === h) this.#sessions.delete(h.ref);
    h.peer?.close();
  }

  /** Closes the sessions of entry nodes that stopped listening (their process is gone). */
  async sweep(): Promise<void> {
    const nodes = new Set([...this.#sessions.values()].map((h) => h.from));
    for (const node of nodes) {
      if (await this.#bus.listening(node)) continue;
      this.#log.info('sfu.cluster.entry_node_gone', { node });
      for (const h of [...this.#sessions.values()]) if (h.from === node) this.#drop(h);
    }
  }

  /** Ends every hosted session, telling entry nodes so their clients reconnect. */
  close(reason: string): void {
    for (const h of [...this.#sessions.values()]) {
      this.#reply(h, { kind: 'ended', ref: h.ref, reason });
      this.#drop(h);
    }
  }
}
