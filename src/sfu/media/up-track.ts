/**
 * One track a publisher sends (an "up-track"): it reads the RTP (RFC 3550) and RTCP arriving on
 * one media section, keeps reception statistics and a packet history per simulcast layer,
 * NACKs the publisher's losses (RFC 4585 §6.2.1), sends it receiver reports (RFC 3550 §6.4.2)
 * and a REMB cap, requests keyframes at a bounded rate (RFC 4585 §6.3.1), and hands each packet
 * to its down-tracks. Knows nothing of rooms or signalling.
 */
import type { CodecName } from '../sdp/codecs.ts';
import { ExtensionUri } from '../sdp/codecs.ts';
import type { SdpCodec, SdpExtmap } from '../sdp/sdp.ts';
import type { ReceiveTrack } from '../transport/types.ts';
import { isKeyframe } from '../rtp/keyframe.ts';
import { PacketBuffer } from '../rtp/packet-buffer.ts';
import { ReceiveStats } from '../rtp/receive-stats.ts';
import { buildNack, buildPli, buildRemb, buildRr, compound, ntpMiddle, parseRtcp } from '../rtp/rtcp.ts';
import { findExtension, isRtcp, parseRtp, readAudioLevel, remapExtensions, type RtpView } from '../rtp/rtp-packet.ts';
import type { MediaCounters } from './counters.ts';
import { DelayGate } from './delay-gate.ts';
import { LayerRates } from './layer-rate.ts';
import { layerOfRid } from './simulcast.ts';
import type { PublishedTrack, UpTrackInfo } from './track-types.ts';

export type { UpTrackInfo } from './track-types.ts';


/** Limits, identities and callbacks of one up-track. */
export interface UpTrackOptions {
  readonly maxPacketTrack: number;
  /** REMB cap sent to the publisher, bit/s; 0 = none */
  readonly maxBitrate: number;
  /** the SSRC the SFU signs its RTCP with on this connection */
  readonly rtcpSsrc: number;
  readonly counters: MediaCounters;
  /** while the forwarder is saturated, packets that queued longer than this are shed */
  readonly maxQueueDelayMs: number;
  /** whether the forwarder is saturated now */
  readonly overloaded: (nowMs: number) => boolean;
  /** minimum spacing of keyframe requests per layer */
  readonly pliIntervalMs: number;
  /** first packet: the codec is now known (down-tracks can be offered) */
  readonly onFirstPacket: (t: UpTrack) => void;
  readonly onAudioLevel?: (level: number) => void;
}

/** A receiver of an up-track's packets (a down-track). */
export interface UpTrackSink {
  /** extension id map (publisher id → subscriber id) this sink wants, or undefined for "drop all" */
  readonly extensionKey: string;
  readonly extensionMap: ReadonlyMap<number, number>;
  /** id of a transport-wide sequence number element to reserve in each copy (0 = none; part of `extensionKey`) */
  readonly transportSeqId: number;
  /** whether a packet of this simulcast layer could be forwarded now; false lets the up-track skip the copy */
  wantsLayer(layer: number): boolean;
  /** a packet the up-track does not forward (padding only): the sink closes the gap in its numbering */
  skip(sourceSeq: number, layer: number): void;
  /** a packet whose extensions are already re-mapped; the sink may rewrite its header in place */
  write(packet: Uint8Array, sourceSeq: number, sourceTs: number, layer: number, keyframe: boolean, nowMs: number): void;
}

interface Layer {
  readonly index: number;
  ssrc: number;
  readonly stats: ReceiveStats;
  readonly buffer: PacketBuffer;
  readonly gate: DelayGate;
  lastPacketMs: number;
  lastPliMs: number;
}

const AUDIO_BUFFER = 25;
// Buffers, so the native send takes them without another wrapper object.
const allocBuffer = (n: number): Uint8Array => Buffer.allocUnsafe(n);
const REPORT_INTERVAL_MS = 1000;

/** One track a publisher sends, with its per-layer statistics and packet history. */
export class UpTrack implements PublishedTrack {
  readonly info: UpTrackInfo;
  readonly #rx: ReceiveTrack;
  readonly #o: UpTrackOptions;
  readonly #layers: Layer[] = [];
  readonly #bySsrc = new Map<number, Layer>();
  readonly #sinks = new Set<UpTrackSink>();
  readonly #ridExt: number;
  readonly #levelExt: number;
  readonly #rates = new LayerRates();
  #codec: { name: CodecName; codec: SdpCodec } | undefined;
  #lastReportMs = 0;
  #closed = false;

  constructor(info: UpTrackInfo, rx: ReceiveTrack, o: UpTrackOptions, now: () => number) {
    this.info = info;
    this.#rx = rx;
    this.#o = o;
    const ext = (uri: string) => info.extmaps.find((e) => e.uri === uri)?.id ?? -1;
    this.#ridExt = ext(ExtensionUri.rid);
    this.#levelExt = ext(ExtensionUri.audioLevel);
    rx.onPacket = (p) => this.receive(p, now());
  }

  /** The codec the publisher actually sends (known after the first packet). */
  get codec(): { name: CodecName; codec: SdpCodec } | undefined {
    return this.#codec;
  }

  get simulcast(): boolean {
    return this.info.rids.length > 1;
  }

  addSink(s: UpTrackSink): void {
    this.#sinks.add(s);
  }

  removeSink(s: UpTrackSink): void {
    this.#sinks.delete(s);
  }

  /** Layers that carried packets in the last second, ascending. */
  availableLayers(nowMs: number): number[] {
    return this.#layers.filter((l) => nowMs - l.lastPacketMs < 1000).map((l) => l.index).sort((a, b) => a - b);
  }

  /** What forwarding each layer up to `top` costs, bit/s (measured, or assumed for layers not seen). */
  layerCosts(top: number): number[] {
    return this.#rates.costs(this.simulcast ? top : 0);
  }

  /** Measured rate of the whole track, bit/s. */
  get bitrate(): number {
    return this.#rates.total;
  }

  /** A buffered packet of a layer (a view: copy before changing). */
  packet(layer: number, seq: number): Uint8Array | undefined {
    return this.#layers.find((l) => l.index === layer)?.buffer.get(seq);
  }

  #layerFor(buf: Uint8Array, rtp: RtpView, nowMs: number): Layer | undefined {
    const known = this.#bySsrc.get(rtp.ssrc);
    if (known) return known;
    let index = 0;
    if (this.simulcast) {
      const e = findExtension(buf, rtp, this.#ridExt);
      if (!e) return undefined; // a simulcast stream is only usable once its RID is known
      index = layerOfRid(new TextDecoder().decode(buf.subarray(e.offset, e.offset + e.length)));
    }
    let layer = this.#layers.find((l) => l.index === index);
    if (layer) {
      // The publisher changed SSRC for this layer (track replaced): follow it.
      this.#bySsrc.delete(layer.ssrc);
      layer.ssrc = rtp.ssrc;
    } else {
      const clock = this.#codecs().find((c) => c.codec.pt === rtp.payloadType)?.codec.clockRate ?? 90000;
      const size = this.info.kind === 'audio' ? AUDIO_BUFFER : this.#o.maxPacketTrack;
      layer = { index, ssrc: rtp.ssrc, stats: new ReceiveStats(clock), buffer: new PacketBuffer(size), gate: new DelayGate(clock, this.#o.maxQueueDelayMs), lastPacketMs: nowMs, lastPliMs: -Infinity };
      this.#layers.push(layer);
    }
    this.#bySsrc.set(rtp.ssrc, layer);
    return layer;
  }

  #codecs() {
    return this.info.codecs;
  }

  /** Feeds one packet from the publisher (RTP or RTCP). */
  receive(buf: Buffer, nowMs: number): void {
    if (this.#closed) return;
    const c = this.#o.counters;
    if (isRtcp(buf)) return this.#onRtcp(buf, nowMs);
    const r = parseRtp(buf);
    if (!r.ok) {
      c.dropped++;
      return;
    }
    const rtp = r.rtp;
    if (!this.#codec) {
      this.#codec = this.#codecs().find((k) => k.codec.pt === rtp.payloadType);
      if (!this.#codec) {
        c.dropped++;
        return;
      }
      this.#o.onFirstPacket(this);
    } else if (rtp.payloadType !== this.#codec.codec.pt) {
      c.dropped++; // a codec switch mid-stream is not forwarded (down-tracks were offered one codec)
      return;
    }
    const layer = this.#layerFor(buf, rtp, nowMs);
    if (!layer) {
      c.dropped++;
      return;
    }
    c.rtpIn++;
    c.rtpBytesIn += buf.length;
    layer.lastPacketMs = nowMs;
    layer.stats.onPacket(rtp.sequenceNumber, rtp.timestamp, buf.length, nowMs);
    layer.buffer.put(rtp.sequenceNumber, buf);
    if (rtp.payloadEnd === rtp.payloadOffset) {
      // Padding only (RFC 3550 §5.1 P bit): the publisher probing its own uplink. Not media, not
      // a cost of the layer, and not forwarded: each sink closes the sequence gap instead.
      c.paddingDropped++;
      for (const s of this.#sinks) s.skip(rtp.sequenceNumber, layer.index);
      return;
    }
    this.#rates.onPacket(layer.index, buf.length);
    if (this.#levelExt > 0 && this.#o.onAudioLevel) {
      const e = findExtension(buf, rtp, this.#levelExt);
      const lvl = e && readAudioLevel(buf, e);
      if (lvl) this.#o.onAudioLevel(lvl.level);
    }
    // The gate sees every packet (to track the smallest transit) but only sheds under overload.
    if (layer.gate.late(rtp.timestamp, nowMs) && this.#o.overloaded(nowMs)) {
      c.shed++;
      return;
    }
    const keyframe = this.info.kind === 'video' && isKeyframe(this.#codec.name as 'vp8', buf.subarray(rtp.payloadOffset, rtp.payloadEnd));
    this.#fanOut(buf, rtp, layer.index, keyframe, nowMs);
  }

  #fanOut(buf: Buffer, rtp: RtpView, layer: number, keyframe: boolean, nowMs: number): void {
    // Sinks with the same extension map share one re-mapped copy, rewritten in place per sink.
    let key: string | undefined;
    let out: Uint8Array = buf;
    let wanted = false;
    for (const s of this.#sinks) {
      // A layer no sink forwards is paused: no copy, no write (dynacast, docs/sfu.md).
      if (!s.wantsLayer(layer)) continue;
      wanted = true;
      if (s.extensionKey !== key) {
        key = s.extensionKey;
        out = remapExtensions(buf, rtp, s.extensionMap, allocBuffer, s.transportSeqId);
      }
      s.write(out, rtp.sequenceNumber, rtp.timestamp, layer, keyframe, nowMs);
    }
    if (!wanted && this.#sinks.size > 0) this.#o.counters.pausedLayerPackets++;
  }

  #onRtcp(buf: Buffer, nowMs: number): void {
    this.#o.counters.rtcpIn++;
    const r = parseRtcp(buf);
    if (!r.ok) return;
    for (const p of r.packets) {
      if (p.type === 'sr') this.#bySsrc.get(p.ssrc)?.stats.onSenderReport(ntpMiddle(p.ntp), nowMs);
    }
  }

  /** Asks the publisher for a keyframe on a layer, at most once per `pliIntervalMs`. */
  requestKeyframe(layer: number, nowMs: number): void {
    if (this.info.kind !== 'video') return;
    const l = this.#layers.find((x) => x.index === layer) ?? this.#layers[0];
    if (!l || nowMs - l.lastPliMs < this.#o.pliIntervalMs) return;
    l.lastPliMs = nowMs;
    this.#o.counters.pliToPublishers++;
    this.#sendRtcp(buildPli(this.#o.rtcpSsrc, l.ssrc));
  }

  #sendRtcp(p: Uint8Array): void {
    this.#o.counters.rtcpOut++;
    this.#rx.sendRtcp(p);
  }

  /** Periodic work: NACKs for fresh losses, and once a second RR (+ REMB for video). */
  tick(nowMs: number): void {
    if (this.#closed) return;
    this.#rates.tick(nowMs);
    for (const l of this.#layers) {
      const lost = l.stats.nackList(nowMs);
      if (lost.length > 0) {
        this.#o.counters.nackedToPublishers += lost.length;
        this.#sendRtcp(buildNack(this.#o.rtcpSsrc, l.ssrc, lost));
      }
    }
    if (nowMs - this.#lastReportMs < REPORT_INTERVAL_MS || this.#layers.length === 0) return;
    this.#lastReportMs = nowMs;
    const blocks = this.#layers.flatMap((l) => l.stats.reportBlock(l.ssrc, nowMs) ?? []);
    const parts = [buildRr(this.#o.rtcpSsrc, blocks)];
    if (this.info.kind === 'video' && this.#o.maxBitrate > 0) {
      parts.push(buildRemb(this.#o.rtcpSsrc, this.#o.maxBitrate, this.#layers.map((l) => l.ssrc)));
    }
    this.#sendRtcp(compound(parts));
  }

  close(): void {
    this.#closed = true;
    this.#sinks.clear();
    this.#rx.onPacket = undefined;
  }
}
