/**
 * What native tracks and transports ask of the media worker: the router's tables
 * (`native/src/sfu/router.h`) and RTCP decided in TypeScript. One implementation runs the worker
 * (`native-media.ts`); tests may record the calls instead.
 */
import type { BandwidthFeedback } from '../media/subscriber-bandwidth.ts';

/** An up-stream as the router takes it (tp_up_spec). */
export interface NativeUpSpec {
  readonly conn: number;
  readonly video: boolean;
  readonly mid: string;
  /** lowest quality first; [] = one layer */
  readonly rids: readonly string[];
  /** SSRCs from the SDP (a=ssrc), by layer; 0 = learnt from MID/RID */
  readonly ssrcs: readonly number[];
  /** payload type → codec name */
  readonly codecs: readonly (readonly [number, string])[];
  readonly clockRate: number;
  readonly history: number;
  /** REMB cap, bit/s (0 = none) */
  readonly maxBitrate: number;
  /** RFC 6464 level at or under which an audio packet counts as speech */
  readonly audioLevelThreshold: number;
}

/** A down-track as the router takes it (tp_down_spec). */
export interface NativeDownSpec {
  readonly conn: number;
  readonly up: number;
  readonly ssrc: number;
  /** publisher payload type → subscriber payload type */
  readonly payloadTypes: readonly (readonly [number, number])[];
  /** publisher extension id → subscriber extension id */
  readonly extensions: readonly (readonly [number, number])[];
  readonly transportCcId: number;
  readonly firstSeq: number;
  readonly firstTimestamp: number;
  readonly history: number;
  readonly cname: string;
  readonly clockRate: number;
}

/** Receives an up-stream's events from the router. */
export interface NativeUpEvents {
  /** the first packet of any layer, with its payload type */
  onFirstPacket(pt: number): void;
  /** cumulative bytes of a layer, and when its last packet came (ms, or undefined when none) */
  onLayerCounters(layer: number, bytes: number, lastPacketMs: number | undefined): void;
  /** one speaking packet at this RFC 6464 level */
  onAudioLevel(level: number): void;
  /** the stream turned out VP9 spatial SVC: its spatial layers are its layers from now on */
  onSvc(): void;
}

/** Receives a down-track's events from the router. */
export interface NativeDownEvents {
  onLayer(layer: number): void;
  onPli(nowMs: number): void;
}

/** The media worker, as tracks see it. */
export interface MediaControl {
  /** a fresh id for an up-stream or a down-track */
  allocateId(): number;
  /** the object an up-stream's events go to */
  bindUp(id: number, events: NativeUpEvents): void;
  upRemove(id: number): void;
  /** `feedback`: the subscriber connection's bandwidth estimator (REMB, transport-wide feedback) */
  downAdd(id: number, spec: NativeDownSpec, events: NativeDownEvents, feedback?: BandwidthFeedback): void;
  downUpdate(id: number, spec: NativeDownSpec): void;
  downRemove(id: number): void;
  downTarget(id: number, layer: number, paused: boolean): void;
  /** the highest VP8 temporal layer forwarded (TID 0-2; 3: all) */
  downTemporal(id: number, tidMax: number): void;
  requestKeyframe(up: number, layer: number): void;
  /** RTCP towards the publisher of an up-stream */
  sendRtcpUp(up: number, packet: Uint8Array): void;
  /** RTCP on a connection */
  sendRtcp(conn: number, packet: Uint8Array): void;
  /** whether a connection's DTLS-SRTP is up */
  connOpen(conn: number): boolean;
}
