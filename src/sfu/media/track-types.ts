/**
 * What rooms see of a published track and of a forwarded copy of it, whichever media path
 * carries the packets: the TypeScript one (`up-track.ts`, `down-track.ts`, packets through a
 * WebRTC stack) or the native one (`src/sfu/native/`, packets never in JavaScript).
 */
import type { LayerCap } from '../bwe/layer-cap.ts';
import type { CodecName } from '../sdp/codecs.ts';
import type { SdpCodec, SdpExtmap } from '../sdp/sdp.ts';
import type { ReportedTrack } from './subscriber-bandwidth.ts';

/** What the SFU learnt about a track from the publisher's offer. */
export interface UpTrackInfo {
  /** unique within the SFU */
  readonly id: string;
  readonly kind: 'audio' | 'video';
  readonly streamId: string;
  readonly trackId: string;
  readonly codecs: readonly { readonly name: CodecName; readonly codec: SdpCodec }[];
  readonly extmaps: readonly SdpExtmap[];
  readonly rids: readonly string[];
}

/** A track a publisher sends, as rooms and subscribers use it. */
export interface PublishedTrack {
  readonly info: UpTrackInfo;
  /** the codec the publisher actually sends (known after the first packet) */
  readonly codec: { readonly name: CodecName; readonly codec: SdpCodec } | undefined;
  readonly simulcast: boolean;
  /** measured rate of the whole track, bit/s */
  readonly bitrate: number;
  /** layers that carried packets in the last second, ascending */
  availableLayers(nowMs: number): number[];
  /** what forwarding each layer up to `top` costs, bit/s */
  layerCosts(top: number): number[];
  /** asks the publisher for a keyframe on a layer (rate-limited) */
  requestKeyframe(layer: number, nowMs: number): void;
  tick(nowMs: number): void;
  close(): void;
}

/** A temporal target that leaves no layer out. */
export const ALL_TEMPORAL_LAYERS = 3;

/** One published track as one subscriber receives it. */
export interface ForwardedTrack extends ReportedTrack {
  readonly up: PublishedTrack;
  /** the subscriber connection's media section */
  readonly mid: string;
  readonly layerCap: LayerCap | undefined;
  /** header extensions kept by the subscriber, publisher id → subscriber id */
  setExtensions(map: ReadonlyMap<number, number>): void;
  /** the subscriber's transport-wide sequence number id (0: none) */
  setTransportSeqId(id: number): void;
  /** the subscriber's wishes (ion-sfu API): video layer 0..2 or -1 for none; audio on or off */
  setPreference(video: number | undefined, audio: boolean | undefined): void;
  /**
   * the highest VP8 temporal layer the subscriber wants (ion-sfu's `framerate`: TID 0-2, or
   * {@link ALL_TEMPORAL_LAYERS}), taken from the next picture that allows it
   */
  setFramerate(tidMax: number): void;
  /** the subscriber refused the section: stop feeding it (the section stays until closed) */
  detach(): void;
  tick(nowMs: number): void;
  close(): void;
}
