/**
 * One signalling connection (one WebSocket = one peer), independent of the socket library:
 * frames in, frames out. Messages are handled strictly in order, as ion-sfu's read loop does, so
 * a `trickle` sent right after `join` waits until the join is done. Bad input gets a JSON-RPC
 * error object (JSON-RPC 2.0 §5.1) and harms nobody else; limits bound frame size and rate.
 */
import type { PeerHandle, RoomService, SignalSink } from '../room/types.ts';
import { decodeFrame, encodeError, encodeNotification, encodeResult, RpcErrorCode, type RpcError, type RpcId } from './jsonrpc.ts';
import { clientMethods, isMethod, offerNotification, trickleNotification, type ClientParams, type Method } from './schema.ts';
import { TokenBucket } from './token-bucket.ts';
import { SfuErrorText, type Outcome } from '../types/outcome.ts';
import type { JoinParams } from '../types/schema.ts';

/** Per-connection limits. */
export interface SignalLimits {
  /** frames longer than this (characters) get an error instead of being parsed */
  readonly maxFrameChars: number;
  /** sustained messages per second */
  readonly messagesPerSecond: number;
  /** messages allowed in a burst */
  readonly burst: number;
  /** frames waiting behind a slow call before the connection is closed */
  readonly maxQueued: number;
}

/** Default per-connection limits (see docs/jsonrpc.md). */
export const defaultSignalLimits: SignalLimits = {
  maxFrameChars: 256 * 1024,
  messagesPerSecond: 50,
  burst: 200,
  maxQueued: 500,
};

/** Counters one connection reports. */
export interface SignalCounters {
  requests: number;
  notifications: number;
  errors: number;
  rateLimited: number;
}

/** What the connection needs from its socket and its surroundings. */
export interface SignalConnectionOptions {
  readonly rooms: RoomService;
  readonly send: (text: string) => void;
  /** close the socket (policy violation) */
  readonly close: (code: number, reason: string) => void;
  readonly now: () => number;
  readonly limits?: SignalLimits;
  readonly counters?: SignalCounters;
  /** a message's handling threw (a bug): counted and logged by the owner */
  readonly onFault?: (err: unknown) => void;
  /** with join tokens: admits a join (maybe narrowing its rights) or says why not */
  readonly admit?: (params: JoinParams) => Outcome<JoinParams>;
}

/**
 * The sink a connection hands the room service: it can also end the connection (WebSocket close
 * 1012, "service restart"), so that the client reconnects, e.g. when its room's node is gone.
 */
export interface EndableSignalSink extends SignalSink {
  end(reason: string): void;
}

/** Candidates kept from before a join completes. */
const MAX_EARLY_CANDIDATES = 50;

export { SfuErrorText } from '../types/outcome.ts';

/** Drives one client's JSON-RPC session against the room service. */
export class SignalConnection {
  readonly #o: SignalConnectionOptions;
  readonly #limits: SignalLimits;
  readonly #bucket: TokenBucket;
  readonly #counters: SignalCounters;
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  #peer: PeerHandle | undefined;
  #joining = false;
  readonly #early: ClientParams['trickle'][] = [];
  #closed = false;

  constructor(o: SignalConnectionOptions) {
    this.#o = o;
    this.#limits = o.limits ?? defaultSignalLimits;
    this.#bucket = new TokenBucket(this.#limits.messagesPerSecond, this.#limits.burst, o.now());
    this.#counters = o.counters ?? { requests: 0, notifications: 0, errors: 0, rateLimited: 0 };
  }

  /** The joined peer, if any. */
  get peer(): PeerHandle | undefined {
    return this.#peer;
  }

  /** Feeds one text frame. */
  receive(text: string): void {
    if (this.#closed) return;
    if (!this.#bucket.take(this.#o.now())) {
      this.#counters.rateLimited++;
      const msg = decodeFrame(text.length > this.#limits.maxFrameChars ? '' : text);
      if (msg.kind === 'request') this.#error(msg.id, { code: RpcErrorCode.limitExceeded, message: 'rate limit exceeded' });
      return;
    }
    if (text.length > this.#limits.maxFrameChars) {
      this.#error(null, { code: RpcErrorCode.limitExceeded, message: `frame larger than ${this.#limits.maxFrameChars} characters` });
      return;
    }
    if (this.#queued >= this.#limits.maxQueued) {
      this.#o.close(1008, 'too many queued messages');
      return;
    }
    this.#queued++;
    // A fault in one message is reported and the queue goes on: a rejected link would stop
    // every later message of this connection, and surface as an unhandled rejection.
    this.#queue = this.#queue
      .then(() => this.#handle(text))
      .catch((err: unknown) => {
        this.#o.onFault?.(err);
        this.#error(null, { code: RpcErrorCode.internalError, message: 'internal error' });
      })
      .finally(() => this.#queued--);
  }

  /** The socket closed: the peer leaves (ion-sfu has no "leave" method). */
  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    // A join still in flight closes its peer when it lands (see #join).
    this.#peer?.close();
  }

  #send(text: string): void {
    if (!this.#closed) this.#o.send(text);
  }

  #error(id: RpcId | null, error: RpcError): void {
    this.#counters.errors++;
    this.#send(encodeError(id, error));
  }

  async #handle(text: string): Promise<void> {
    if (this.#closed) return;
    const msg = decodeFrame(text);
    if (msg.kind === 'invalid') return this.#error(msg.id, msg.error);
    if (msg.kind === 'response') return; // the server sends no requests, so nothing awaits these
    const id = msg.kind === 'request' ? msg.id : null;
    if (msg.kind === 'request') this.#counters.requests++;
    else this.#counters.notifications++;
    if (!isMethod(msg.method)) {
      return this.#error(id, { code: RpcErrorCode.methodNotFound, message: `method not found: ${msg.method}` });
    }
    const spec = clientMethods[msg.method];
    const checked = spec.check(msg.params);
    if (!checked.ok) return this.#error(id, { code: RpcErrorCode.invalidParams, message: `invalid params: ${checked.error}` });
    try {
      await this.#dispatch(msg.method, checked.value, id);
    } catch (err) {
      // A failure inside the room layer is answered, logged by the caller, and survived.
      this.#error(id, { code: RpcErrorCode.sfu, message: `internal error: ${(err as Error)?.message ?? String(err)}` });
    }
  }

  async #dispatch(method: Method, params: ClientParams[Method], id: RpcId | null): Promise<void> {
    if (method === 'join') return this.#join(params as ClientParams['join'], id);
    const peer = this.#peer;
    if (!peer && method === 'trickle' && id === null && this.#early.length < MAX_EARLY_CANDIDATES) {
      // A client's first candidates can overtake its join on the wire; they apply once it is done.
      this.#early.push(params as ClientParams['trickle']);
      return;
    }
    if (!peer) return this.#error(id, { code: RpcErrorCode.sfu, message: SfuErrorText.notJoined });
    if (method === 'offer') {
      const r = await peer.offer((params as ClientParams['offer']).desc.sdp);
      if (id === null) return; // sent as a notification: nobody awaits the answer
      return r.ok ? this.#send(encodeResult(id, { type: 'answer', sdp: r.value })) : this.#error(id, { code: RpcErrorCode.sfu, message: r.error });
    }
    if (method === 'answer') {
      const r = await peer.answer((params as ClientParams['answer']).desc.sdp);
      if (!r.ok) this.#error(id, { code: RpcErrorCode.sfu, message: r.error });
      else if (id !== null) this.#send(encodeResult(id, null));
      return;
    }
    const t = params as ClientParams['trickle'];
    const r = peer.trickle(t.target, t.candidate);
    if (!r.ok) this.#error(id, { code: RpcErrorCode.sfu, message: r.error });
    else if (id !== null) this.#send(encodeResult(id, null));
  }

  async #join(asked: ClientParams['join'], id: RpcId | null): Promise<void> {
    if (this.#peer || this.#joining) return this.#error(id, { code: RpcErrorCode.sfu, message: SfuErrorText.alreadyJoined });
    const admitted = this.#o.admit ? this.#o.admit(asked) : { ok: true as const, value: asked };
    if (!admitted.ok) return this.#error(id, { code: RpcErrorCode.unauthorized, message: admitted.error });
    const params = admitted.value;
    this.#joining = true;
    const sink: EndableSignalSink = {
      offer: (sdp) => this.#send(encodeNotification('offer', offerNotification(sdp).params)),
      trickle: (target, candidate) => this.#send(encodeNotification('trickle', trickleNotification(target, candidate).params)),
      end: (reason) => {
        if (!this.#closed) this.#o.close(1012, reason.slice(0, 120));
      },
    };
    const r = await this.#o.rooms.join(params, sink);
    this.#joining = false;
    if (!r.ok) return this.#error(id, { code: RpcErrorCode.sfu, message: r.error });
    if (this.#closed) {
      r.value.peer.close();
      return;
    }
    this.#peer = r.value.peer;
    if (id !== null) this.#send(encodeResult(id, { type: 'answer', sdp: r.value.answer }));
    for (const t of this.#early.splice(0)) this.#peer.trickle(t.target, t.candidate);
  }
}
