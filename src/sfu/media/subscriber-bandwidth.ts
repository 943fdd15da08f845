/**
 * Bandwidth-aware forwarding for one subscriber connection: the feedback its down-tracks receive
 * (REMB, transport-wide feedback) goes into one {@link SubscriberEstimator}, and every tick the
 * estimate, less what its audio costs, is split over its video down-tracks, each getting a
 * simulcast layer cap ({@link LayerCap}) that its layer selector treats as a second upper bound
 * next to the client's `preferLayer`. Without feedback nothing is capped.
 */
import { SubscriberEstimator, type EstimateSource } from '../bwe/estimator.ts';
import { allocateLayers, LayerCap } from '../bwe/layer-cap.ts';
import type { TwccFeedback } from '../rtp/twcc.ts';
import type { MediaCounters } from './counters.ts';

/** What the allocator needs of a down-track. */
export interface BandwidthTrack {
  readonly kind: 'audio' | 'video';
  /** the layer cap of a video down-track */
  readonly layerCap: LayerCap | undefined;
  /** highest layer the client's preference allows (-1 = video off) */
  readonly preferredMax: number;
  /** bit/s the track's source sends (audio: all of it) */
  readonly sourceBitrate: number;
  /** cost of each layer up to `top`, bit/s */
  layerCosts(top: number): number[];
  /** hands the cap, now decided, to the layer selector */
  applyBandwidthCap(): void;
}

/** Where down-tracks report bandwidth feedback. */
export interface BandwidthFeedback {
  onRemb(bps: number): void;
  onTwcc(fb: TwccFeedback, nowMs: number): void;
  /** the next transport-wide sequence number of this connection (draft-holmer §2) */
  nextTransportSeq(): number;
  onSent(seq: number, size: number, nowMs: number): void;
  /** whether a retransmission of `size` bytes fits the connection's retransmission budget now */
  allowRetransmission(size: number, nowMs: number): boolean;
  /** the same budget as a rate, bit/s (undefined: no estimate, no limit) */
  readonly retransmitBps?: number | undefined;
}

const TOP_LAYER = 2;
/** share of the estimate retransmissions may use (NACKs of a congested link must not add to it) */
const RETRANSMIT_SHARE = 0.2;
const RETRANSMIT_BURST_MS = 250;

/** One subscriber connection's estimate and layer allocation. */
export class SubscriberBandwidth implements BandwidthFeedback {
  readonly #estimator = new SubscriberEstimator();
  readonly #counters: MediaCounters;
  #transportSeq = 0;
  #rtxTokens = 0;
  #rtxRefillMs: number | undefined;

  constructor(counters: MediaCounters) {
    this.#counters = counters;
  }

  /** A new cap for a video down-track, starting at the top layer. */
  static newCap(): LayerCap {
    return new LayerCap(TOP_LAYER);
  }

  /** bit/s, undefined before any feedback */
  get estimateBps(): number | undefined {
    return this.#estimator.bps;
  }

  get source(): EstimateSource {
    return this.#estimator.source;
  }

  onRemb(bps: number): void {
    this.#counters.bandwidthFeedback++;
    this.#estimator.onRemb(bps);
  }

  onTwcc(fb: TwccFeedback, nowMs: number): void {
    this.#counters.bandwidthFeedback++;
    this.#estimator.onTwcc(fb, nowMs);
  }

  /** A token bucket at 20 % of the estimate; with no estimate, retransmissions are not limited. */
  /** What retransmissions may use, bit/s, or undefined before there is an estimate (the native router's budget). */
  get retransmitBps(): number | undefined {
    const bps = this.#estimator.bps;
    return bps === undefined ? undefined : bps * RETRANSMIT_SHARE;
  }

  allowRetransmission(size: number, nowMs: number): boolean {
    const bps = this.#estimator.bps;
    if (bps === undefined) return true;
    const rate = (bps * RETRANSMIT_SHARE) / 8000; // bytes per ms
    const cap = Math.max(rate * RETRANSMIT_BURST_MS, 1500);
    this.#rtxTokens = Math.min(cap, this.#rtxTokens + rate * (nowMs - (this.#rtxRefillMs ?? nowMs)));
    this.#rtxRefillMs = nowMs;
    if (this.#rtxTokens < size) {
      this.#counters.retransmissionsDropped++;
      return false;
    }
    this.#rtxTokens -= size;
    return true;
  }

  nextTransportSeq(): number {
    const seq = this.#transportSeq;
    this.#transportSeq = (seq + 1) & 0xffff;
    return seq;
  }

  /** Transport-wide sequence number `seq` was sent (for transport-wide feedback). */
  onSent(seq: number, size: number, nowMs: number): void {
    this.#estimator.onSent(seq, size, nowMs);
  }

  /** Splits the estimate over the video tracks and updates their caps. */
  tick(tracks: readonly BandwidthTrack[], nowMs: number): void {
    const bps = this.#estimator.bps;
    if (bps === undefined) return;
    let audio = 0;
    const video: { track: BandwidthTrack; cap: LayerCap }[] = [];
    for (const t of tracks) {
      if (t.kind === 'audio') audio += t.sourceBitrate;
      else if (t.layerCap) video.push({ track: t, cap: t.layerCap });
    }
    const before = video.map((v) => [v.cap.downs, v.cap.ups]);
    const demands = video.map((v) => ({ cap: v.cap, layerBps: v.track.layerCosts(TOP_LAYER), top: v.track.preferredMax }));
    allocateLayers(bps, audio, demands, nowMs);
    video.forEach((v, i) => {
      this.#counters.bandwidthLayerDowns += v.cap.downs - before[i][0];
      this.#counters.bandwidthLayerUps += v.cap.ups - before[i][1];
      v.track.applyBandwidthCap();
    });
  }
}

/** One subscriber connection's estimate and layers, for stats and metrics. */
export interface SubscriberBandwidthReport {
  readonly peer: string;
  /** bit/s, undefined before any feedback */
  readonly estimateBps: number | undefined;
  readonly source: EstimateSource;
  /** the layer each video down-track sends now (-1: none yet, or paused) */
  readonly layers: readonly number[];
  /** the bandwidth cap of each video down-track */
  readonly caps: readonly number[];
  /** what each layer of each video down-track costs, bit/s */
  readonly costs: readonly (readonly number[])[];
}

/** What {@link bandwidthReport} reads of a video down-track. */
export interface ReportedTrack extends BandwidthTrack {
  readonly currentLayer: number;
}

/** The report of one subscriber connection. */
export function bandwidthReport(peer: string, bw: SubscriberBandwidth, tracks: readonly ReportedTrack[]): SubscriberBandwidthReport {
  const video = tracks.filter((t) => t.kind === 'video');
  return {
    peer,
    estimateBps: bw.estimateBps,
    source: bw.source,
    layers: video.map((t) => t.currentLayer),
    caps: video.map((t) => t.layerCap?.cap ?? -1),
    costs: video.map((t) => t.layerCosts(TOP_LAYER).map(Math.round)),
  };
}
