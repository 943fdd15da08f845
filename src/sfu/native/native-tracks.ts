/**
 * Published and forwarded tracks on the native media path: the same decisions as
 * `media/up-track.ts` and `media/down-track.ts` (which layer, when to ask for a keyframe, what
 * the bandwidth estimate allows), with the packets themselves in the media worker's router
 * (`native/src/sfu/router.h`). These objects hold ids into the router and the figures its events
 * and counters report; nothing here runs per packet.
 */
import type { LayerCap } from '../bwe/layer-cap.ts';
import type { DownTrackOptions } from '../media/down-track.ts';
import { LayerRates } from '../media/layer-rate.ts';
import { LayerSelector } from '../media/simulcast.ts';
import { SubscriberBandwidth } from '../media/subscriber-bandwidth.ts';
import { ALL_TEMPORAL_LAYERS, type ForwardedTrack, type PublishedTrack } from '../media/track-types.ts';
import type { UpTrackInfo } from '../media/up-track.ts';
import type { CodecName } from '../sdp/codecs.ts';
import type { SdpCodec } from '../sdp/sdp.ts';
import type { ReceiveTrack, SendTrack, SendTrackSpec } from '../transport/types.ts';
import type { MediaControl, NativeDownEvents, NativeDownSpec, NativeUpEvents } from './media-control.ts';

const PLI_INTERVAL_MS = 500;

/** A publisher's media section on the native path: no packets reach it, only what it needs to know. */
export class NativeReceiveTrack implements ReceiveTrack {
  readonly mid: string;
  readonly kind: 'audio' | 'video';
  /** the router's id of the up-stream this section feeds */
  readonly upId: number;
  readonly control: MediaControl;
  onPacket: ((packet: Buffer) => void) | undefined;

  constructor(mid: string, kind: 'audio' | 'video', upId: number, control: MediaControl) {
    this.mid = mid;
    this.kind = kind;
    this.upId = upId;
    this.control = control;
  }

  sendRtcp(packet: Uint8Array): void {
    this.control.sendRtcpUp(this.upId, packet);
  }

  close(): void {
    this.control.upRemove(this.upId);
  }
}

/** What a native up-track is told by its callbacks. */
export interface NativeUpTrackOptions {
  readonly onFirstPacket: (t: NativeUpTrack) => void;
  readonly onAudioLevel?: (level: number) => void;
}

/** A published track whose packets stay in the router. */
export class NativeUpTrack implements PublishedTrack, NativeUpEvents {
  readonly info: UpTrackInfo;
  readonly rx: NativeReceiveTrack;
  readonly #o: NativeUpTrackOptions;
  readonly #rates = new LayerRates();
  readonly #lastPacketMs: number[] = [];
  readonly #lastPliMs: number[] = [];
  readonly #bytes: number[] = [];
  #codec: { name: CodecName; codec: SdpCodec } | undefined;
  #svc = false;
  #closed = false;

  constructor(info: UpTrackInfo, rx: NativeReceiveTrack, o: NativeUpTrackOptions) {
    this.info = info;
    this.rx = rx;
    this.#o = o;
    rx.control.bindUp(rx.upId, this);
  }

  get upId(): number {
    return this.rx.upId;
  }

  get codec(): { name: CodecName; codec: SdpCodec } | undefined {
    return this.#codec;
  }

  get simulcast(): boolean {
    return this.info.rids.length > 1;
  }

  /** Simulcast, or a VP9 stream whose spatial layers the router reports as layers (router-svc.c). */
  get layered(): boolean {
    return this.simulcast || this.#bytes.length > 1;
  }

  /** A VP9 spatial SVC stream: moving down a layer needs no keyframe (router-svc.c). */
  get svc(): boolean {
    return this.#svc;
  }

  onSvc(): void {
    this.#svc = true;
  }

  get bitrate(): number {
    return this.#rates.total;
  }

  /** The router saw the first packet of a layer, with this payload type. */
  onFirstPacket(pt: number): void {
    if (this.#codec || this.#closed) return;
    const c = this.info.codecs.find((x) => x.codec.pt === pt) ?? this.info.codecs[0];
    if (!c) return;
    this.#codec = c;
    this.#o.onFirstPacket(this);
  }

  /** Cumulative bytes and the last packet time of each layer, from the router's counters. */
  onLayerCounters(layer: number, bytes: number, lastPacketMs: number | undefined): void {
    const before = this.#bytes[layer] ?? 0;
    if (bytes > before) this.#rates.onPacket(layer, bytes - before);
    this.#bytes[layer] = bytes;
    if (lastPacketMs !== undefined) this.#lastPacketMs[layer] = lastPacketMs;
  }

  onAudioLevel(level: number): void {
    this.#o.onAudioLevel?.(level);
  }

  availableLayers(nowMs: number): number[] {
    const out: number[] = [];
    this.#lastPacketMs.forEach((t, layer) => {
      if (t !== undefined && nowMs - t < 1000) out.push(layer);
    });
    return out;
  }

  layerCosts(top: number): number[] {
    return this.#rates.costs(this.layered ? top : 0);
  }

  requestKeyframe(layer: number, nowMs: number): void {
    if (this.info.kind !== 'video' || this.#closed) return;
    const l = this.simulcast ? layer : 0;
    if (nowMs - (this.#lastPliMs[l] ?? -Infinity) < PLI_INTERVAL_MS) return;
    this.#lastPliMs[l] = nowMs; // the router counts it (pliToPublishers)
    this.rx.control.requestKeyframe(this.upId, l);
  }

  tick(nowMs: number): void {
    this.#rates.tick(nowMs);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.rx.close();
  }
}

/** A subscriber connection's send-only section on the native path. */
export class NativeSendTrack implements SendTrack {
  readonly spec: SendTrackSpec;
  readonly connId: number;
  readonly control: MediaControl;
  onRtcp: ((packet: Buffer) => void) | undefined;
  onOpen: (() => void) | undefined;
  #closed = false;
  readonly #onClose: () => void;

  constructor(spec: SendTrackSpec, connId: number, control: MediaControl, onClose: () => void) {
    this.spec = spec;
    this.connId = connId;
    this.control = control;
    this.#onClose = onClose;
  }

  get mid(): string {
    return this.spec.mid;
  }

  isOpen(): boolean {
    return !this.#closed && this.control.connOpen(this.connId);
  }

  sendRtp(): boolean {
    return false; // the router sends this section's packets
  }

  sendRtcp(packet: Uint8Array): void {
    this.control.sendRtcp(this.connId, packet);
  }

  /** Starts forwarding `up` on this section. */
  forward(up: NativeUpTrack, o: DownTrackOptions): NativeDownTrack {
    return new NativeDownTrack(up, this, o);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
  }
}

/** One published track as one subscriber receives it, forwarded by the router. */
export class NativeDownTrack implements ForwardedTrack, NativeDownEvents {
  readonly up: NativeUpTrack;
  readonly tx: NativeSendTrack;
  readonly layerCap: LayerCap | undefined;
  readonly downId: number;
  readonly #o: DownTrackOptions;
  readonly #selector: LayerSelector | undefined;
  #extensions: ReadonlyMap<number, number> = new Map();
  #transportSeqId = 0;
  #audioMuted = false;
  /** the highest VP8 temporal layer the subscriber asked for (ion-sfu's framerate) */
  #tidMax = ALL_TEMPORAL_LAYERS;
  #sentTarget = '';
  #current = -1;
  #attached = true;
  #closed = false;

  constructor(up: NativeUpTrack, tx: NativeSendTrack, o: DownTrackOptions) {
    this.up = up;
    this.tx = tx;
    this.#o = o;
    this.#selector = up.info.kind === 'video' ? new LayerSelector(o.bestQualityFirst) : undefined;
    this.layerCap = this.#selector ? SubscriberBandwidth.newCap() : undefined;
    this.downId = tx.control.allocateId();
    this.#install();
  }

  get mid(): string {
    return this.tx.mid;
  }

  get kind(): 'audio' | 'video' {
    return this.up.info.kind;
  }

  get preferredMax(): number {
    return this.#selector ? this.#selector.max : 0;
  }

  get sourceBitrate(): number {
    return this.#audioMuted ? 0 : this.up.bitrate;
  }

  get currentLayer(): number {
    return this.#selector ? this.#current : 0;
  }

  layerCosts(top: number): number[] {
    return this.up.layerCosts(top);
  }

  #spec(): NativeDownSpec {
    const codec = this.up.codec;
    return {
      conn: this.tx.connId,
      up: this.up.upId,
      ssrc: this.#o.ssrc,
      payloadTypes: codec ? [[codec.codec.pt, this.#o.payloadType]] : [],
      extensions: [...this.#extensions],
      transportCcId: this.#transportSeqId,
      firstSeq: this.#o.firstSeq,
      firstTimestamp: this.#o.firstTimestamp,
      history: this.#o.historySize,
      cname: this.#o.cname,
      clockRate: this.#o.clockRate,
    };
  }

  #install(): void {
    this.tx.control.downAdd(this.downId, this.#spec(), this, this.#o.bandwidth);
    this.#sentTarget = '';
    this.#pushTarget();
    if (this.#tidMax !== ALL_TEMPORAL_LAYERS) this.tx.control.downTemporal(this.downId, this.#tidMax);
  }

  setExtensions(map: ReadonlyMap<number, number>): void {
    this.#extensions = map;
    if (this.#attached && !this.#closed) this.tx.control.downUpdate(this.downId, this.#spec());
  }

  setTransportSeqId(id: number): void {
    this.#transportSeqId = id > 0 && id <= 14 ? id : 0;
    if (this.#attached && !this.#closed) this.tx.control.downUpdate(this.downId, this.#spec());
  }

  setPreference(video: number | undefined, audio: boolean | undefined): void {
    if (video !== undefined && this.#selector) this.#selector.setMax(video);
    if (audio !== undefined && this.kind === 'audio') this.#audioMuted = !audio;
    this.#pushTarget();
  }

  setFramerate(tidMax: number): void {
    if (this.kind !== 'video' || tidMax === this.#tidMax) return;
    this.#tidMax = tidMax;
    if (this.#attached && !this.#closed) this.tx.control.downTemporal(this.downId, tidMax);
  }

  applyBandwidthCap(): void {
    if (this.#selector && this.layerCap) this.#selector.setBandwidthCap(this.layerCap.cap);
    this.#pushTarget();
  }

  /** The router switched this down-track to `layer` (at a keyframe). */
  onLayer(layer: number): void {
    this.#current = layer;
    // Keep the selector's idea of "current" in step: a keyframe of the target completes a switch.
    this.#selector?.accept(layer, true);
  }

  /** The subscriber asked for a keyframe (PLI/FIR). */
  onPli(nowMs: number): void {
    this.#o.counters.keyframeRequestsFromSubscribers++;
    this.up.requestKeyframe(Math.max(0, this.currentLayer), nowMs);
  }

  #pushTarget(): void {
    if (!this.#attached || this.#closed) return;
    const paused = this.#audioMuted || (this.#selector !== undefined && this.#selector.target < 0);
    const layer = this.#selector ? Math.max(0, this.#selector.target) : 0;
    const key = `${layer}/${paused}`;
    if (key === this.#sentTarget) return;
    this.#sentTarget = key;
    this.tx.control.downTarget(this.downId, layer, paused);
  }

  detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    this.tx.control.downRemove(this.downId);
  }

  tick(nowMs: number): void {
    if (this.#closed || !this.#selector) return;
    const available = this.up.availableLayers(nowMs);
    this.#selector.setAvailable(available);
    this.#pushTarget();
    const want = this.#selector.pendingKeyframe();
    // An SVC stream moves down at the next picture without one (router-svc.c).
    const down = this.up.svc && this.#current >= 0 && want !== undefined && want < this.#current;
    // Only a layer that is sending can answer with a keyframe (a stopped camera cannot).
    if (want !== undefined && want !== this.#current && !down && available.includes(want)) this.up.requestKeyframe(want, nowMs);
  }

  close(): void {
    if (this.#closed) return;
    this.detach();
    this.#closed = true;
    this.tx.close();
  }
}
