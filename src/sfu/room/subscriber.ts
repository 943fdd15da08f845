/**
 * The subscriber side of a peer: the connection the SFU offers on (ion-sfu target 1). It carries
 * the server-created `ion-sfu` API channel, one send-only media section per track the peer
 * receives (a {@link DownTrack}), and the fanned-out data channels. Offers are paced by a
 * {@link Negotiator}; the client's answer tells which header extensions each section kept.
 */
import { ActiveLayers } from './active-layer.ts';
import { forwardedTrack } from './forwarding.ts';
import { SubscriberBandwidth, bandwidthReport, type SubscriberBandwidthReport } from '../media/subscriber-bandwidth.ts';
import { ALL_TEMPORAL_LAYERS, type ForwardedTrack, type PublishedTrack } from '../media/track-types.ts';
import { PayloadTypeAllocator, codecKey, downCodec, subscriberExtensions, transportCcUri } from '../sdp/codecs.ts';
import { readSubscriberAnswer } from '../sdp/publisher-offer.ts';
import type { SdpExtmap } from '../sdp/sdp.ts';
import { API_CHANNEL, checkApiCall, LayerName, type ApiCall } from '../types/schema.ts';
import type { DataEndpoint, LocalCandidate, PeerTransport } from '../transport/types.ts';
import { random16, random32, type RoomContext } from './context.ts';
import { Negotiator } from './negotiator.ts';
import type { Outcome } from './types.ts';

/** How soon after a change the subscriber is re-offered (batches bursts of changes). */
const NEGOTIATION_DEBOUNCE_MS = 20;

/** What the subscriber side reports to its peer. */
export interface SubscriberEvents {
  readonly offer: (sdp: string) => void;
  /** a local ICE candidate to trickle to the client (target 1) */
  readonly trickle: (c: LocalCandidate) => void;
  readonly failed: (why: string) => void;
}

/** Publisher extension id → subscriber extension id, by URI. */
function extensionMap(publisher: readonly SdpExtmap[], subscriber: readonly SdpExtmap[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of subscriber) {
    const p = publisher.find((e) => e.uri === s.uri);
    if (p) out.set(p.id, s.id);
  }
  return out;
}

/** The connection a client receives on (ion-sfu target 1). */
export class Subscriber {
  readonly #ctx: RoomContext;
  readonly #pc: PeerTransport;
  readonly #ev: SubscriberEvents;
  readonly #api: DataEndpoint | undefined;
  readonly #negotiator: Negotiator;
  readonly #pts = new PayloadTypeAllocator();
  readonly #down = new Map<string, ForwardedTrack>();
  #bandwidth: SubscriberBandwidth | undefined;
  readonly #activeLayers = new ActiveLayers();
  readonly #queuedCandidates: { candidate: string; mid: string | null | undefined }[] = [];
  readonly #heldLocal: LocalCandidate[] = [];
  #hasRemote = false;
  #nextMid = 1;
  #restarts = 0;
  #closed = false;

  constructor(ctx: RoomContext, pc: PeerTransport, ev: SubscriberEvents) {
    this.#ctx = ctx;
    this.#pc = pc;
    this.#ev = ev;
    pc.events.onState = (s) => {
      if (s === 'failed' || s === 'closed') ev.failed(`subscriber connection ${s}`);
    };
    // Until the client's first answer is applied, the SFU's candidates stay here: a client that
    // could reach them early might finish ICE and DTLS before the answer is read, and the stack
    // then has no fingerprint to check the client's certificate against (RFC 8842 §5).
    pc.events.onCandidate = (c) => (this.#hasRemote ? ev.trickle(c) : this.#heldLocal.push(c));
    const api = pc.createDataChannel(API_CHANNEL);
    this.#api = api.ok ? api.value : undefined;
    if (this.#api) this.#api.onMessage = (m) => this.#onApi(m);
    this.#negotiator = new Negotiator(() => this.#offer(), NEGOTIATION_DEBOUNCE_MS, {
      set: (fn, ms) => ctx.timers.after(ms, fn),
      clear: (cancel) => (cancel as () => void)(),
    });
  }

  get transport(): PeerTransport {
    return this.#pc;
  }

  get downTracks(): ForwardedTrack[] {
    return [...this.#down.values()];
  }

  /** ICE restarts of this connection so far (for stats). */
  get iceRestarts(): number {
    return this.#restarts;
  }

  /**
   * Restarts ICE on this connection (RFC 8445 §9), whose offers the SFU makes: new credentials
   * in the next offer; the old ones keep answering until the client checks with the new, so
   * media continues while the descriptions cross. False where the transport cannot (the stack
   * path) or before the client's first answer.
   */
  restartIce(): boolean {
    if (this.#closed || !this.#hasRemote || !this.#pc.restartIce) return false;
    const r = this.#pc.restartIce();
    if (!r.ok) return false;
    this.#restarts++;
    this.renegotiate();
    return true;
  }

  /** Offer now (or after the outstanding answer). */
  renegotiate(): void {
    this.#negotiator.request();
  }

  async #offer(): Promise<boolean> {
    const r = await this.#pc.createOffer();
    if (!r.ok) {
      if (!this.#closed) this.#ctx.log.warn('sfu.subscriber.offer_failed', { error: r.error });
      return false;
    }
    if (this.#closed) return false;
    this.#ev.offer(r.value);
    return true;
  }

  /** Applies the client's answer to the last offer. */
  answer(sdp: string): Outcome<void> {
    const set = this.#pc.setRemoteDescription(sdp, 'answer');
    if (!set.ok) return set;
    this.#hasRemote = true;
    for (const c of this.#queuedCandidates.splice(0)) this.#pc.addRemoteCandidate(c.candidate, c.mid);
    for (const c of this.#heldLocal.splice(0)) this.#ev.trickle(c);
    const byMid = new Map([...this.#down.values()].map((d) => [d.mid, d]));
    for (const m of readSubscriberAnswer(sdp)) {
      const d = byMid.get(m.mid);
      if (!d) continue;
      if (!m.accepted) {
        // The browser cannot take this codec: stop feeding it.
        d.detach();
        continue;
      }
      d.setExtensions(extensionMap(d.up.info.extmaps, m.extmaps));
      d.setTransportSeqId(m.extmaps.find((e) => e.uri === transportCcUri)?.id ?? 0);
    }
    this.#negotiator.answered();
    return { ok: true, value: undefined };
  }

  addCandidate(candidate: string, mid: string | null | undefined): Outcome<void> {
    if (!this.#hasRemote) {
      // The client trickles as soon as it has answered; candidates may beat the answer here.
      if (this.#queuedCandidates.length < 100) this.#queuedCandidates.push({ candidate, mid });
      return { ok: true, value: undefined };
    }
    return this.#pc.addRemoteCandidate(candidate, mid);
  }

  /** Starts sending an up-track to this peer (a new media section, then a re-offer). */
  subscribe(up: PublishedTrack): void {
    const codec = up.codec;
    if (this.#closed || !codec || this.#down.has(up.info.id)) return;
    const kind = up.info.kind;
    const key = codecKey(codec.name, codec.codec.clockRate, codec.codec.channels, codec.codec.fmtp);
    const pt = this.#pts.assign(codec.name, key);
    if (pt === undefined) {
      this.#ctx.log.warn('sfu.subscriber.no_payload_type', { track: up.info.id });
      return;
    }
    const ssrc = random32();
    const extmaps = subscriberExtensions[kind];
    const spec = {
      mid: String(this.#nextMid++),
      codec: downCodec(kind, codec.name, codec.codec, pt),
      extmaps,
      ssrc,
      cname: up.info.streamId,
      streamId: up.info.streamId,
      trackId: up.info.trackId,
    };
    const tx = this.#pc.addSendTrack(spec);
    if (!tx.ok) {
      this.#ctx.log.warn('sfu.subscriber.add_track_failed', { track: up.info.id, error: tx.error });
      return;
    }
    const cfg = this.#ctx.config.router;
    const down = forwardedTrack(up, tx.value, {
      ssrc,
      payloadType: pt,
      clockRate: codec.codec.clockRate,
      cname: up.info.streamId,
      historySize: cfg.maxPacketTrack,
      bestQualityFirst: cfg.simulcast.bestQualityFirst,
      counters: this.#ctx.counters,
      firstSeq: random16(),
      firstTimestamp: random32(),
      wallClockMs: this.#ctx.wallClock,
      now: this.#ctx.now,
      bandwidth: this.bandwidth,
    });
    if (!down) {
      this.#ctx.log.warn('sfu.subscriber.other_media_path', { track: up.info.id });
      tx.value.close();
      return;
    }
    // Until the answer says otherwise, assume every offered extension is kept.
    down.setExtensions(extensionMap(up.info.extmaps, extmaps));
    down.setTransportSeqId(extmaps.find((e) => e.uri === transportCcUri)?.id ?? 0);
    tx.value.onOpen = () => up.requestKeyframe(0, this.#ctx.now());
    this.#down.set(up.info.id, down);
    up.requestKeyframe(0, this.#ctx.now());
    this.renegotiate();
  }

  /** Stops sending an up-track (its section is removed at the next offer). */
  unsubscribe(up: PublishedTrack): void {
    const d = this.#down.get(up.info.id);
    if (!d) return;
    this.#down.delete(up.info.id);
    this.#activeLayers.forget(up.info.id);
    d.close();
    this.renegotiate();
  }

  /** Opens a fanned-out channel on this connection (no re-offer: SCTP is already negotiated). */
  openChannel(label: string): DataEndpoint | undefined {
    if (this.#closed) return undefined;
    const r = this.#pc.createDataChannel(label);
    return r.ok ? r.value : undefined;
  }

  /** Sends a message on the `ion-sfu` channel. */
  sendApi(text: string): void {
    if (this.#api?.isOpen()) this.#api.send(text);
  }

  #onApi(data: string | Buffer): void {
    if (typeof data !== 'string') return;
    const call = checkApiCall(data);
    if (!call.ok) {
      this.#ctx.log.debug('sfu.api.bad_message', { error: call.error });
      return;
    }
    this.#apply(call.value);
  }

  #apply(call: ApiCall): void {
    if (call.kind !== 'preference') return; // enabled layers are learnt from the traffic itself
    const video = call.video === undefined ? undefined : call.video === 'none' ? -1 : LayerName.indexOf(call.video);
    // preferFramerate: low keeps temporal layer 0, medium 0-1, high all of them (ion-sfu's mapping).
    const tidMax = call.framerate === undefined ? undefined : call.framerate === 'high' ? ALL_TEMPORAL_LAYERS : LayerName.indexOf(call.framerate);
    for (const d of this.#down.values()) {
      if (d.up.info.streamId !== call.streamId) continue;
      d.setPreference(video, call.audio);
      if (tidMax !== undefined) d.setFramerate(tidMax);
    }
  }

  /** This connection's bandwidth estimate and layer caps (docs/sfu.md, "Bandwidth-aware forwarding"). */
  get bandwidth(): SubscriberBandwidth {
    this.#bandwidth ??= new SubscriberBandwidth(this.#ctx.counters);
    return this.#bandwidth;
  }

  /** The estimate and the layer of each video down-track, for stats. */
  bandwidthReport(peer: string): SubscriberBandwidthReport {
    return bandwidthReport(peer, this.bandwidth, this.downTracks);
  }

  tick(nowMs: number): void {
    this.bandwidth.tick(this.downTracks, nowMs);
    for (const d of this.#down.values()) d.tick(nowMs);
    // ion-sfu's activeLayer notice, told once per change (and only once the channel is open).
    if (this.#api?.isOpen()) for (const m of this.#activeLayers.due(this.#down.values(), nowMs)) this.#api.send(m);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#negotiator.close();
    for (const d of this.#down.values()) d.close();
    this.#down.clear();
    this.#pc.close();
  }
}
