/**
 * The entry node's side of a relayed client: a {@link PeerHandle} whose calls travel to the node
 * that owns the room and whose notifications come back from it. The client's WebSocket, its
 * JSON-RPC checks and limits stay on the entry node; the peer connections (and so the addresses
 * in the SDP and ICE candidates) are the owner's.
 */
import type { Outcome, PeerHandle, SignalSink } from '../room/types.ts';
import { SfuErrorText } from '../signal/connection.ts';
import { checkTrickle, type CandidateInit, type Method, type SessionDescription, type Target } from '../signal/schema.ts';
import type { RelayBus } from './bus.ts';
import type { RelayRef, ToEntry } from './relay-protocol.ts';

/** How long a relayed call may wait for the owner's reply. */
const CALL_TIMEOUT_MS = 15_000;

/** What a relayed call came to. */
export type CallResult =
  | { readonly kind: 'ok'; readonly sdp: string | null }
  | { readonly kind: 'error'; readonly error: string }
  /** the node no longer owns the room */
  | { readonly kind: 'moved' }
  /** the node is not listening (dead), or ended the session */
  | { readonly kind: 'gone'; readonly reason: string };

/** A sink that may also end its client's connection (see `EndableSignalSink`). */
export type EndingSink = SignalSink & { readonly end?: (reason: string) => void };

/** One client whose room lives on another node. */
export class RelayedPeer implements PeerHandle {
  readonly id: string;
  readonly ref: RelayRef;
  readonly room: string;
  readonly #node: string;
  readonly #bus: RelayBus;
  readonly #sink: EndingSink;
  readonly #forget: () => void;
  readonly #pending = new Map<number, (r: CallResult) => void>();
  /** set once the owner accepted the join */
  joined = false;
  #owner: string;
  #nextReq = 1;
  #closed = false;

  /** `forget` runs once the session is over (left or ended), to drop it from its node's table. */
  constructor(o: { ref: RelayRef; room: string; id: string; owner: string; node: string; bus: RelayBus; sink: EndingSink; forget: () => void }) {
    this.ref = o.ref;
    this.room = o.room;
    this.id = o.id;
    this.#owner = o.owner;
    this.#node = o.node;
    this.#bus = o.bus;
    this.#sink = o.sink;
    this.#forget = o.forget;
  }

  /** The node the calls go to. */
  get owner(): string {
    return this.#owner;
  }

  set owner(node: string) {
    this.#owner = node;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends a client call to the owner and waits for its outcome. */
  async call(method: Method, params: unknown): Promise<CallResult> {
    if (this.#closed) return { kind: 'gone', reason: 'closed' };
    const req = this.#nextReq++;
    const result = new Promise<CallResult>((resolve) => {
      const timer = setTimeout(() => settle({ kind: 'error', error: "the room's node did not answer" }), CALL_TIMEOUT_MS);
      const settle = (r: CallResult): void => {
        clearTimeout(timer);
        this.#pending.delete(req);
        resolve(r);
      };
      this.#pending.set(req, settle);
    });
    const receivers = await this.#send(method, params, req);
    if (receivers === 0) this.#pending.get(req)?.({ kind: 'gone', reason: "the room's node is not running" });
    return result;
  }

  async #send(method: Method, params: unknown, req: number | null): Promise<number> {
    try {
      return await this.#bus.send(this.#owner, { kind: 'call', from: this.#node, ref: this.ref, req, method, params });
    } catch {
      return 0;
    }
  }

  /** A message from the owner about this session. */
  handle(msg: ToEntry): void {
    if (msg.kind === 'reply') this.#pending.get(msg.req)?.(msg.ok ? { kind: 'ok', sdp: msg.sdp } : { kind: 'error', error: msg.error });
    else if (msg.kind === 'moved') this.#pending.get(msg.req)?.({ kind: 'moved' });
    else if (msg.kind === 'ended') this.end(msg.reason);
    else if (this.#closed) return;
    else if (msg.method === 'offer') {
      const d = msg.params as SessionDescription | null;
      if (d && typeof d.sdp === 'string') this.#sink.offer(d.sdp);
    } else {
      const t = checkTrickle(msg.params);
      if (t.ok) this.#sink.trickle(t.value.target, t.value.candidate);
    }
  }

  async offer(sdp: string): Promise<Outcome<string>> {
    const r = await this.call('offer', { desc: { type: 'offer', sdp } });
    return r.kind === 'ok' ? { ok: true, value: r.sdp ?? '' } : { ok: false, error: failure(r) };
  }

  async answer(sdp: string): Promise<Outcome<void>> {
    const r = await this.call('answer', { desc: { type: 'answer', sdp } });
    return r.kind === 'ok' ? { ok: true, value: undefined } : { ok: false, error: failure(r) };
  }

  trickle(target: Target, candidate: CandidateInit): Outcome<void> {
    if (this.#closed) return { ok: false, error: SfuErrorText.notJoined };
    // Published on the same connection as the calls, so it reaches the owner in order.
    void this.#send('trickle', { target, candidate }, null);
    return { ok: true, value: undefined };
  }

  /** The client left: the owner closes its peer. */
  close(): void {
    this.#forget();
    if (this.#closed) return;
    this.#closed = true;
    this.#failPending('closed');
    void this.#bus.send(this.#owner, { kind: 'leave', from: this.#node, ref: this.ref }).catch(() => {});
  }

  /** The owner is gone or ended the session: the client is disconnected so that it reconnects. */
  end(reason: string): void {
    this.#forget();
    if (this.#closed) return;
    this.#closed = true;
    this.#failPending(reason);
    this.#sink.end?.(reason);
  }

  #failPending(reason: string): void {
    for (const settle of [...this.#pending.values()]) settle({ kind: 'gone', reason });
  }
}

function failure(r: CallResult): string {
  if (r.kind === 'error') return r.error;
  if (r.kind === 'gone') return r.reason;
  return "the room's node changed";
}
