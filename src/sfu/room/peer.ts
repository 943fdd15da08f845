/**
 * One client of a session (one WebSocket in ion-sfu's JSON-RPC): its publisher connection, its
 * subscriber connection, and the glue between them, the session and the signalling channel.
 */
import type { SubscriberBandwidthReport } from '../media/subscriber-bandwidth.ts';
import type { PublishedTrack } from '../media/track-types.ts';
import type { CandidateInit, JoinConfig, Target } from '../types/schema.ts';
import { SfuErrorText } from '../types/outcome.ts';
import type { DataEndpoint } from '../transport/types.ts';
import type { RoomContext } from './context.ts';
import { Publisher } from './publisher.ts';
import type { SessionMember } from './member.ts';
import type { Session } from './session.ts';
import { Subscriber } from './subscriber.ts';
import type { Outcome, PeerHandle, SignalSink } from './types.ts';

/** One joined client: its two connections, as signalling and the session see it. */
export class Peer implements PeerHandle, SessionMember {
  readonly id: string;
  readonly session: Session;
  readonly config: JoinConfig;
  readonly #ctx: RoomContext;
  readonly #publisher: Publisher;
  readonly #subscriber: Subscriber | undefined;
  #closed = false;

  constructor(ctx: RoomContext, session: Session, id: string, config: JoinConfig, sink: SignalSink) {
    this.#ctx = ctx;
    this.id = id;
    this.session = session;
    this.config = config;
    const pub = ctx.transports.create(`${id}/pub`);
    this.#publisher = new Publisher(ctx, id, pub, config.noPublish, {
      published: (t) => !this.#closed && session.publish(t, this),
      unpublished: (t) => session.unpublish(t),
      dataChannel: (d) => !this.#closed && session.addDataChannel(this, d),
      audioLevel: (streamId, level) => session.audio.observe(streamId, level),
      candidate: (c) => sink.trickle(0, { candidate: c.candidate, sdpMid: c.mid, sdpMLineIndex: 0, usernameFragment: null }),
      failed: (why) => this.#fail(why),
    });
    if (!config.noSubscribe) {
      const sub = ctx.transports.create(`${id}/sub`);
      this.#subscriber = new Subscriber(ctx, sub, {
        offer: (sdp) => sink.offer(sdp),
        trickle: (c) => sink.trickle(1, { candidate: c.candidate, sdpMid: c.mid, sdpMLineIndex: 0, usernameFragment: null }),
        failed: (why) => this.#fail(why),
      });
    }
  }

  /** Whether this peer receives others' tracks as soon as they are published. */
  get autoSubscribe(): boolean {
    return this.#subscriber !== undefined && !this.config.noAutoSubscribe;
  }

  get subscriber(): Subscriber | undefined {
    return this.#subscriber;
  }

  get iceRestarts(): number {
    return this.#publisher.iceRestarts;
  }

  get subscriberIceRestarts(): number {
    return this.#subscriber?.iceRestarts ?? 0;
  }

  downTrackCount(): number {
    return this.#subscriber?.downTracks.length ?? 0;
  }

  bandwidthReport(): SubscriberBandwidthReport | undefined {
    return this.#subscriber?.bandwidthReport(this.id);
  }

  get publishedTracks(): PublishedTrack[] {
    return this.#publisher.tracks;
  }

  /** The join: answer the first publisher offer; the subscriber offer follows on its own. */
  async start(offerSdp: string): Promise<Outcome<string>> {
    const r = await this.#publisher.negotiate(offerSdp);
    // Even a lone first peer gets a subscriber offer promptly: ion-sdk-js ≥ 1.7.1 waits for its API channel.
    if (r.ok) this.#subscriber?.renegotiate();
    return r;
  }

  async offer(sdp: string): Promise<Outcome<string>> {
    if (this.#closed) return { ok: false, error: SfuErrorText.notJoined };
    const restarts = this.#publisher.iceRestarts;
    const r = await this.#publisher.negotiate(sdp);
    // An ICE restart of the publisher connection means the client's network changed (ion-sdk-js
    // restarts only that one): the subscriber connection, whose offers the SFU makes, restarts
    // with it instead of waiting for its consent to fail.
    const sub = this.#subscriber;
    if (r.ok && this.#publisher.iceRestarts > restarts && sub?.restartIce()) {
      this.#ctx.log.info('sfu.subscriber.ice_restart', { peer: this.id, session: this.session.id, restarts: sub.iceRestarts });
    }
    return r;
  }

  async answer(sdp: string): Promise<Outcome<void>> {
    if (this.#closed || !this.#subscriber) return { ok: false, error: SfuErrorText.notJoined };
    return this.#subscriber.answer(sdp);
  }

  trickle(target: Target, c: CandidateInit): Outcome<void> {
    if (this.#closed) return { ok: false, error: SfuErrorText.notJoined };
    if (target === 0) return this.#publisher.addCandidate(c.candidate, c.sdpMid);
    if (!this.#subscriber) return { ok: false, error: SfuErrorText.notJoined };
    return this.#subscriber.addCandidate(c.candidate, c.sdpMid);
  }

  subscribe(up: PublishedTrack): void {
    this.#subscriber?.subscribe(up);
  }

  unsubscribe(up: PublishedTrack): void {
    this.#subscriber?.unsubscribe(up);
  }

  openSubscriberChannel(label: string): DataEndpoint | undefined {
    return this.#subscriber?.openChannel(label);
  }

  sendApi(text: string): void {
    this.#subscriber?.sendApi(text);
  }

  tick(nowMs: number): void {
    this.#publisher.tick(nowMs);
    this.#subscriber?.tick(nowMs);
  }

  #fail(why: string): void {
    if (this.#closed) return;
    this.#ctx.log.info('sfu.peer.transport_down', { peer: this.id, session: this.session.id, why });
    this.close();
  }

  /** Leaves the session: both connections close and the others stop receiving this peer's tracks. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const tracks = this.#publisher.close();
    this.#subscriber?.close();
    this.session.removePeer(this, tracks);
  }
}
