/**
 * The publisher side of a peer: the connection the client offers on (ion-sfu target 0). It
 * narrows each offer to what the SFU forwards, answers it, turns each incoming media section into
 * an {@link UpTrack}, notices sections the client stopped sending, and hands data channels the
 * client opens to the session's fan-out. An offer with new ICE credentials is an ICE restart,
 * answered from a replacement connection that keeps the up-tracks (`ice-restart.ts`).
 */
import type { PublishedTrack } from '../media/track-types.ts';
import { UpTrack, type UpTrackInfo } from '../media/up-track.ts';
import { NativeReceiveTrack, NativeUpTrack } from '../native/native-tracks.ts';
import { filterPublisherOffer, fixPublisherAnswer, type PublishedMedia } from '../sdp/publisher-offer.ts';
import { API_CHANNEL } from '../types/schema.ts';
import type { DataEndpoint, LocalCandidate, PeerTransport, ReceiveTrack } from '../transport/types.ts';
import { random32, type RoomContext } from './context.ts';
import { iceUfragOf, isIceRestart, RebindableReceiveTrack } from './ice-restart.ts';
import type { Outcome } from './types.ts';

/** What the publisher side reports to its peer. */
export interface PublisherEvents {
  /** an up-track's first packet arrived: it can be offered to others */
  readonly published: (t: PublishedTrack) => void;
  /** the client stopped sending a track */
  readonly unpublished: (t: PublishedTrack) => void;
  readonly dataChannel: (d: DataEndpoint) => void;
  readonly audioLevel: (streamId: string, level: number) => void;
  /** a local ICE candidate to trickle to the client (target 0) */
  readonly candidate: (c: LocalCandidate) => void;
  readonly failed: (why: string) => void;
}

/** The connection a client publishes on (ion-sfu target 0). */
export class Publisher {
  readonly #ctx: RoomContext;
  readonly #peerId: string;
  #pc: PeerTransport;
  readonly #ev: PublisherEvents;
  readonly #noPublish: boolean;
  readonly #rtcpSsrc = random32();
  #media = new Map<string, PublishedMedia>();
  readonly #tracks = new Map<string, PublishedTrack>();
  /** what each up-track reads from, by mid; rebound to the new connection on an ICE restart */
  readonly #receivers = new Map<string, RebindableReceiveTrack>();
  /** the client's ICE ufrag in the last offer applied (RFC 8839 §5.4) */
  #remoteUfrag: string | undefined;
  #restarts = 0;
  /** the client's own `ion-sfu` channel: accepted, unused (as in ion-sfu), kept referenced */
  #clientApi: DataEndpoint | undefined;
  #trackCount = 0;

  constructor(ctx: RoomContext, peerId: string, pc: PeerTransport, noPublish: boolean, ev: PublisherEvents) {
    this.#ctx = ctx;
    this.#peerId = peerId;
    this.#pc = pc;
    this.#ev = ev;
    this.#noPublish = noPublish;
    this.#attach(pc);
  }

  #attach(pc: PeerTransport): void {
    pc.events.onCandidate = (c) => this.#ev.candidate(c);
    pc.events.onTrack = (t) => this.#onTrack(t);
    pc.events.onDataChannel = (d) => {
      if (d.label === API_CHANNEL) this.#clientApi = d;
      else this.#ev.dataChannel(d);
    };
    pc.events.onState = (s) => {
      if (s === 'failed' || s === 'closed') this.#ev.failed(`publisher connection ${s}`);
      // A restarted connection starts from a gap: every video decoder downstream needs a keyframe.
      if (s === 'connected' && this.#restarts > 0) for (const t of this.#tracks.values()) t.requestKeyframe(0, this.#ctx.now());
    };
  }

  /** ICE restarts answered so far. */
  get iceRestarts(): number {
    return this.#restarts;
  }

  /** The connection restarts ICE itself (the native media path): tracks, DTLS and SRTP stay. */
  #restartedInPlace(): void {
    this.#restarts++;
    this.#ctx.log.info('sfu.publisher.ice_restart', { peer: this.#peerId, restarts: this.#restarts, tracks: this.#tracks.size, inPlace: true });
  }

  /** Replaces the connection for an ICE restart; the old one is closed without a "failed". */
  #replaceTransport(): void {
    const old = this.#pc;
    old.events.onCandidate = undefined;
    old.events.onTrack = undefined;
    old.events.onDataChannel = undefined;
    old.events.onState = undefined;
    this.#restarts++;
    this.#pc = this.#ctx.transports.create(`${this.#peerId}/pub#${this.#restarts}`);
    this.#attach(this.#pc);
    this.#clientApi = undefined;
    this.#ctx.log.info('sfu.publisher.ice_restart', { peer: this.#peerId, restarts: this.#restarts, tracks: this.#tracks.size });
    old.close();
  }

  get transport(): PeerTransport {
    return this.#pc;
  }

  /** Up-tracks currently received. */
  get tracks(): PublishedTrack[] {
    return [...this.#tracks.values()];
  }

  /** Applies a client offer (join or renegotiation) and returns the answer to send back. */
  async negotiate(offerSdp: string): Promise<Outcome<string>> {
    const state = this.#pc.signalingState();
    if (state !== 'stable' && state !== 'new') return { ok: false, error: 'offered ignored' };
    const filtered = filterPublisherOffer(offerSdp, { noPublish: this.#noPublish, demuxByMid: this.#pc.demuxesByMid === true, transportCc: this.#pc.sendsTransportFeedback === true });
    if (isIceRestart(this.#remoteUfrag, filtered.sdp)) {
      if (this.#pc.restartsIce) this.#restartedInPlace();
      else this.#replaceTransport();
    }
    if (filtered.refusedSimulcast.length > 0) {
      this.#ctx.log.warn('sfu.publisher.simulcast_refused', {
        peer: this.#peerId,
        mids: filtered.refusedSimulcast,
        why: 'RID simulcast is received only when it is the connection\'s only media section',
      });
    }
    const set = this.#pc.setRemoteDescription(filtered.sdp, 'offer');
    if (!set.ok) return set;
    this.#remoteUfrag = iceUfragOf(filtered.sdp) ?? this.#remoteUfrag;
    this.#media = new Map(filtered.media.map((m) => [m.mid, m]));
    for (const [mid, up] of this.#tracks) {
      if (!this.#media.has(mid)) this.#drop(mid, up);
    }
    const answer = await this.#pc.createAnswer();
    return answer.ok ? { ok: true, value: fixPublisherAnswer(answer.value) } : { ok: false, error: `error creating answer: ${answer.error}` };
  }

  #drop(mid: string, up: PublishedTrack): void {
    this.#tracks.delete(mid);
    this.#receivers.delete(mid);
    up.close();
    this.#ev.unpublished(up);
  }

  #onTrack(rx: ReceiveTrack): void {
    const m = this.#media.get(rx.mid);
    if (!m) return;
    if (rx instanceof NativeReceiveTrack) {
      this.#onNativeTrack(rx, m);
      return;
    }
    const existing = this.#receivers.get(rx.mid);
    if (existing) {
      // The same section on a replacement connection (ICE restart): the up-track reads from it now.
      existing.rebind(rx);
      return;
    }
    const receiver = new RebindableReceiveTrack(rx);
    this.#receivers.set(rx.mid, receiver);
    const cfg = this.#ctx.config.router;
    const info = this.#info(m);
    const up = new UpTrack(
      info,
      receiver,
      {
        maxPacketTrack: cfg.maxPacketTrack,
        maxBitrate: cfg.maxBandwidth * 1000,
        rtcpSsrc: this.#rtcpSsrc,
        counters: this.#ctx.counters,
        maxQueueDelayMs: 100,
        overloaded: (now) => this.#ctx.load.overloaded(now),
        pliIntervalMs: 500,
        onFirstPacket: (t) => this.#ev.published(t),
        onAudioLevel: m.kind === 'audio' ? (level) => this.#ev.audioLevel(info.streamId, level) : undefined,
      },
      this.#ctx.now,
    );
    this.#tracks.set(rx.mid, up);
  }

  /** What the SFU learnt about a section's track from the offer; a new id each time. */
  #info(m: PublishedMedia): UpTrackInfo {
    return {
      id: `${this.#peerId}#${++this.#trackCount}`,
      kind: m.kind,
      streamId: m.streamId ?? this.#peerId,
      trackId: m.trackId ?? `${this.#peerId}-${m.mid}`,
      codecs: m.codecs,
      extmaps: m.extmaps,
      rids: m.rids,
    };
  }

  /** A section on the native media path: the router has it; the up-track follows its events. */
  #onNativeTrack(rx: NativeReceiveTrack, m: PublishedMedia): void {
    if (this.#tracks.has(rx.mid)) return;
    const info = this.#info(m);
    const up = new NativeUpTrack(info, rx, {
      onFirstPacket: (t) => this.#ev.published(t),
      onAudioLevel: m.kind === 'audio' ? (level) => this.#ev.audioLevel(info.streamId, level) : undefined,
    });
    this.#tracks.set(rx.mid, up);
  }

  addCandidate(candidate: string, mid: string | null | undefined): Outcome<void> {
    return this.#pc.addRemoteCandidate(candidate, mid);
  }

  tick(nowMs: number): void {
    for (const t of this.#tracks.values()) t.tick(nowMs);
  }

  /** Closes the connection; returns the up-tracks that were published. */
  close(): PublishedTrack[] {
    const tracks = [...this.#tracks.values()];
    for (const t of tracks) t.close();
    this.#tracks.clear();
    this.#receivers.clear();
    this.#clientApi = undefined;
    this.#pc.close();
    return tracks;
  }
}
