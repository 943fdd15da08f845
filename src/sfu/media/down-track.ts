/**
 * One up-track as one subscriber receives it (a "down-track"): its own SSRC, sequence numbers
 * and timestamps (RFC 3550 §5.1 via {@link RtpMunger}), its own payload type and header-extension
 * ids as the subscriber negotiated them (RFC 8285), video held back until a keyframe, simulcast
 * layer choice, NACKs answered from the up-track's history (RFC 4585 §6.2.1), PLI/FIR passed on
 * (RFC 4585 §6.3.1, RFC 5104 §4.3.1), sender reports with CNAME (RFC 3550 §6.4.1, §6.5.1), and
 * bandwidth feedback (REMB, transport-wide) passed to the subscriber's estimator, whose layer cap
 * bounds the simulcast layer next to the client's preference.
 */
import type { LayerCap } from '../bwe/layer-cap.ts';
import { RtpMunger } from '../rtp/munger.ts';
import { ALL_TIDS, TemporalFilter, vp8Descriptor, writePictureId, type Vp8Descriptor } from '../rtp/vp8-temporal.ts';
import { buildSdes, buildSr, compound, ntpFromUnixMs, parseRtcp } from '../rtp/rtcp.ts';
import { findExtension, parseRtp, remapExtensions, writePayloadType, writeRtpIds } from '../rtp/rtp-packet.ts';
import type { SendTrack } from '../transport/types.ts';
import type { MediaCounters } from './counters.ts';
import type { ForwardedTrack } from './track-types.ts';
import { LayerSelector } from './simulcast.ts';
import { SubscriberBandwidth, type BandwidthFeedback, type BandwidthTrack } from './subscriber-bandwidth.ts';
import type { UpTrack, UpTrackSink } from './up-track.ts';

/** Identity and clocks of one down-track (RFC 3550 §5.1 SSRC, payload type, clock rate). */
export interface DownTrackOptions {
  readonly ssrc: number;
  readonly payloadType: number;
  readonly clockRate: number;
  readonly cname: string;
  readonly historySize: number;
  readonly bestQualityFirst: boolean;
  readonly counters: MediaCounters;
  /** random initial sequence number and timestamp (RFC 3550 §5.1) */
  readonly firstSeq: number;
  readonly firstTimestamp: number;
  /** wall clock for NTP in sender reports */
  readonly wallClockMs: () => number;
  /** monotonic clock, ms */
  readonly now: () => number;
  /** the subscriber's estimator, fed REMB and transport-wide feedback */
  readonly bandwidth?: BandwidthFeedback;
}

const SR_INTERVAL_MS = 1000;

/** One up-track as one subscriber receives it. */
export class DownTrack implements UpTrackSink, BandwidthTrack, ForwardedTrack {
  readonly up: UpTrack;
  readonly layerCap: LayerCap | undefined;
  readonly tx: SendTrack;
  readonly #o: DownTrackOptions;
  readonly #munger: RtpMunger;
  readonly #selector: LayerSelector | undefined;
  extensionKey = '';
  extensionMap: ReadonlyMap<number, number> = new Map();
  transportSeqId = 0;
  #audioMuted = false;
  #resync = false;
  #packets = 0;
  #octets = 0;
  #lastSrMs = -Infinity;
  #closed = false;
  /** VP8 temporal layers (preferFramerate), and the PictureID shift each sent packet had */
  readonly #temporal = new TemporalFilter();
  readonly #sentPidOffset: { seq: Int32Array; offset: Uint16Array } | undefined;

  constructor(up: UpTrack, tx: SendTrack, o: DownTrackOptions) {
    this.up = up;
    this.tx = tx;
    this.#o = o;
    this.#munger = new RtpMunger({ firstSeq: o.firstSeq, firstTimestamp: o.firstTimestamp, historySize: o.historySize });
    this.#selector = up.info.kind === 'video' ? new LayerSelector(o.bestQualityFirst) : undefined;
    this.layerCap = this.#selector ? SubscriberBandwidth.newCap() : undefined;
    if (this.#selector) {
      let size = 16;
      while (size < o.historySize) size <<= 1;
      this.#sentPidOffset = { seq: new Int32Array(size).fill(-1), offset: new Uint16Array(size) };
    }
    tx.onRtcp = (p) => this.#onRtcp(p);
  }

  get mid(): string {
    return this.tx.mid;
  }

  detach(): void {
    this.up.removeSink(this);
  }

  /** Which header extensions to keep, as publisher id → subscriber id (from the subscriber's answer). */
  setExtensions(map: ReadonlyMap<number, number>): void {
    this.extensionMap = map;
    this.#updateKey();
  }

  /** The subscriber's id for the transport-wide sequence number (0: not negotiated, or no estimator). */
  setTransportSeqId(id: number): void {
    this.transportSeqId = this.#o.bandwidth && id > 0 && id <= 14 ? id : 0;
    this.#updateKey();
  }

  #updateKey(): void {
    const ext = [...this.extensionMap].map(([a, b]) => `${a}>${b}`).join(',');
    this.extensionKey = this.transportSeqId > 0 ? `${ext}|t${this.transportSeqId}` : ext;
  }

  /** The highest VP8 temporal layer to forward (0-2, or all), from the next picture that allows it. */
  setFramerate(tidMax: number): void {
    if (this.#selector) this.#temporal.target = Math.min(tidMax, ALL_TIDS);
  }

  /** The subscriber's wishes (ion-sfu API): video layer 0..2 or -1 for none; audio on or off. */
  setPreference(video: number | undefined, audio: boolean | undefined): void {
    if (video !== undefined && this.#selector) {
      if (video < 0 !== this.#selector.target < 0) this.#resync = true;
      this.#selector.setMax(video);
    }
    if (audio !== undefined && this.up.info.kind === 'audio') {
      if (this.#audioMuted && audio) this.#resync = true;
      this.#audioMuted = !audio;
    }
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

  layerCosts(top: number): number[] {
    return this.up.layerCosts(top);
  }

  applyBandwidthCap(): void {
    if (this.#selector && this.layerCap) this.#selector.setBandwidthCap(this.layerCap.cap);
  }

  wantsLayer(layer: number): boolean {
    return this.#selector ? this.#selector.wants(layer) : true;
  }

  /** The layer being sent (-1 before the first keyframe). */
  get currentLayer(): number {
    return this.#selector ? this.#selector.current : 0;
  }

  skip(sourceSeq: number, layer: number): void {
    if (this.#selector && layer !== this.#selector.current) return;
    this.#munger.skip(layer, sourceSeq);
  }

  write(packet: Uint8Array, sourceSeq: number, sourceTs: number, layer: number, keyframe: boolean, nowMs: number): void {
    if (this.#closed || !this.tx.isOpen()) return;
    if (this.#audioMuted) return;
    if (this.#selector) {
      const before = this.#selector.current;
      if (!this.#selector.accept(layer, keyframe)) return;
      if (before !== this.#selector.current) this.#resync = true;
    }
    if (this.#resync) {
      // After a pause or a switch the next packet starts a new segment: no hole, no time jump.
      this.#resync = false;
      this.#munger.restart();
    }
    let vp8: { payload: Uint8Array; d: Vp8Descriptor } | undefined;
    if (this.#temporal.active && this.up.codec?.name === 'vp8') {
      const r = parseRtp(packet);
      const payload = r.ok ? packet.subarray(r.rtp.payloadOffset) : undefined;
      const d = payload && vp8Descriptor(payload);
      if (payload && d) vp8 = { payload, d };
      if (d && !this.#temporal.accept(d)) {
        this.#munger.skip(layer, sourceSeq);
        this.#o.counters.temporalLayerPackets++;
        return;
      }
    }
    const ids = this.#munger.map(layer, sourceSeq, sourceTs, nowMs, this.#o.clockRate);
    if (!ids) return;
    this.#notePidOffset(ids.seq);
    if (!vp8 || this.#temporal.pidOffset === 0) return this.#send(packet, ids.seq, ids.timestamp);
    // The copy is shared with the up-track's other sinks: its PictureID goes back once sent.
    writePictureId(vp8.payload, vp8.d, this.#temporal.pidOffset);
    this.#send(packet, ids.seq, ids.timestamp);
    writePictureId(vp8.payload, vp8.d, 0);
  }

  #notePidOffset(outSeq: number): void {
    const s = this.#sentPidOffset;
    if (!s) return;
    const i = outSeq & (s.seq.length - 1);
    s.seq[i] = outSeq;
    s.offset[i] = this.#temporal.pidOffset;
  }

  #pidOffsetOf(outSeq: number): number {
    const s = this.#sentPidOffset;
    const i = s ? outSeq & (s.seq.length - 1) : 0;
    return s && s.seq[i] === outSeq ? s.offset[i] : 0;
  }

  #send(packet: Uint8Array, seq: number, timestamp: number): void {
    writeRtpIds(packet, seq, timestamp, this.#o.ssrc);
    writePayloadType(packet, this.#o.payloadType);
    const twcc = this.transportSeqId > 0 ? this.#stampTransportSeq(packet) : -1;
    const c = this.#o.counters;
    if (this.tx.sendRtp(packet)) {
      if (twcc >= 0) this.#o.bandwidth?.onSent(twcc, packet.length, this.#o.now());
      c.rtpOut++;
      c.rtpBytesOut += packet.length;
      this.#packets++;
      this.#octets += packet.length - 12;
    } else {
      c.sendFailed++;
    }
  }

  /** Writes this connection's next transport-wide sequence number into the reserved element. */
  #stampTransportSeq(packet: Uint8Array): number {
    const r = parseRtp(packet);
    const e = r.ok ? findExtension(packet, r.rtp, this.transportSeqId) : undefined;
    if (!e || e.length !== 2 || !this.#o.bandwidth) return -1;
    const seq = this.#o.bandwidth.nextTransportSeq();
    packet[e.offset] = seq >> 8;
    packet[e.offset + 1] = seq & 0xff;
    return seq;
  }

  #onRtcp(buf: Buffer): void {
    const c = this.#o.counters;
    c.rtcpIn++;
    const r = parseRtcp(buf);
    if (!r.ok) return;
    const now = this.#o.now();
    for (const p of r.packets) {
      if (p.type === 'pli' || p.type === 'fir') {
        c.keyframeRequestsFromSubscribers++;
        this.up.requestKeyframe(Math.max(0, this.currentLayer), now);
      } else if (p.type === 'nack' && p.media === this.#o.ssrc) {
        c.nackedBySubscribers += p.lost.length;
        for (const seq of p.lost) this.#retransmit(seq);
      } else if (p.type === 'remb') {
        this.#o.bandwidth?.onRemb(p.bitrate);
      } else if (p.type === 'twcc') {
        this.#o.bandwidth?.onTwcc(p.feedback, now);
      }
    }
  }

  #retransmit(outSeq: number): void {
    const rec = this.#munger.lookup(outSeq);
    const stored = rec && this.up.packet(rec.source, rec.sourceSeq);
    if (!rec || !stored) return;
    if (this.#selector && rec.source !== this.#selector.current) {
      // A packet of a layer the subscriber has switched away from: its decoder no longer needs it.
      this.#o.counters.retransmissionsDropped++;
      return;
    }
    if (this.#o.bandwidth && !this.#o.bandwidth.allowRetransmission(stored.length, this.#o.now())) return;
    const r = parseRtp(stored);
    if (!r.ok) return;
    const copy = remapExtensions(stored, r.rtp, this.extensionMap, (n) => Buffer.allocUnsafe(n), this.transportSeqId);
    const shift = this.#pidOffsetOf(outSeq);
    if (shift !== 0 && this.up.codec?.name === 'vp8') {
      const c = parseRtp(copy);
      const payload = c.ok ? copy.subarray(c.rtp.payloadOffset) : undefined;
      const d = payload && vp8Descriptor(payload);
      if (payload && d) writePictureId(payload, d, shift);
    }
    this.#o.counters.retransmitted++;
    this.#send(copy, outSeq, (r.rtp.timestamp + rec.timestampOffset) >>> 0);
  }

  /** Periodic work: keyframe requests while waiting for one, and a sender report every second. */
  tick(nowMs: number): void {
    if (this.#closed || !this.tx.isOpen()) return;
    if (this.#selector) {
      this.#selector.setAvailable(this.up.availableLayers(nowMs));
      const want = this.#selector.pendingKeyframe();
      if (want !== undefined) this.up.requestKeyframe(want, nowMs);
    }
    const last = this.#munger.last;
    if (!last.started || nowMs - this.#lastSrMs < SR_INTERVAL_MS) return;
    this.#lastSrMs = nowMs;
    const rtpTs = (last.timestamp + Math.round(((nowMs - last.atMs) * this.#o.clockRate) / 1000)) >>> 0;
    const sr = buildSr(this.#o.ssrc, ntpFromUnixMs(this.#o.wallClockMs()), rtpTs, this.#packets >>> 0, this.#octets >>> 0);
    this.#o.counters.rtcpOut++;
    this.tx.sendRtcp(compound([sr, buildSdes(this.#o.ssrc, this.#o.cname)]));
  }

  /** Stops forwarding; the room removes the media section from the next offer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.up.removeSink(this);
    this.tx.onRtcp = undefined;
    this.tx.close();
  }
}
