/**
 * The media router's control records (native/src/sfu/router.h) as TypeScript sees them: one
 * connection, one published track (up-stream) and one track as a subscriber receives it
 * (down-track). Field names are router.h's in camelCase; payload-type and extension-id maps are
 * arrays or objects keyed by number (RFC 8285 §5 ids, RFC 3551 §6 payload types).
 */

/** `TP_CODEC_*` of router.h: what keyframe detection to run on a payload type. */
export const RouterCodec = { other: 0, opus: 1, vp8: 2, vp9: 3, h264: 4 } as const;
export type RouterCodec = (typeof RouterCodec)[keyof typeof RouterCodec];

/** `TP_ROUTER_*` results of the control calls. */
export const RouterResult = { ok: 0, exists: -1, notFound: -2, full: -3, invalid: -4 } as const;
export type RouterResult = (typeof RouterResult)[keyof typeof RouterResult];

/** A small-integer map: an array indexed by key, or an object keyed by number. */
export type NumberMap = readonly number[] | Readonly<Record<number, number>>;

/** One peer connection's negotiated header-extension ids (0: not negotiated), RFC 8285. */
export interface RouterConnSpec {
  /** RFC 8843 §15 `urn:ietf:params:rtp-hdrext:sdes:mid` */
  readonly extMid?: number;
  /** RFC 8852 §3.3 rtp-stream-id */
  readonly extRid?: number;
  /** RFC 8852 §3.4 repaired-rtp-stream-id */
  readonly extRepairedRid?: number;
  /** RFC 6464 audio level */
  readonly extAudioLevel?: number;
  /** transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01) */
  readonly extTransportCc?: number;
  readonly extAbsSendTime?: number;
  /** the SSRC the SFU signs its RTCP with on this connection */
  readonly rtcpSsrc: number;
}

/** A published track: one media section of a publisher's connection. */
export interface RouterUpSpec {
  readonly conn: number;
  readonly video: boolean;
  readonly mid: string;
  /** simulcast rids, lowest quality first (RFC 8853); empty: one layer */
  readonly rids?: readonly string[];
  /** SSRCs known from the SDP per layer (a=ssrc), 0 where to be learnt from MID/RID */
  readonly ssrcs?: readonly number[];
  /** payload type → {@link RouterCodec}; payload types absent are not negotiated */
  readonly codecOfPt: NumberMap;
  readonly clockRate: number;
  /** packets kept per layer for NACKs (`[router] maxpackettrack`) */
  readonly history?: number;
  /** REMB cap to the publisher, bit/s; 0 = none */
  readonly maxBitrate?: number;
}

/** One up-stream as one subscriber receives it. */
export interface RouterDownSpec {
  readonly conn: number;
  readonly up: number;
  readonly ssrc: number;
  /** publisher payload type → subscriber payload type; absent: dropped */
  readonly ptOfPt: NumberMap;
  /** publisher extension id → subscriber extension id; absent: dropped */
  readonly extOfExt?: NumberMap;
  /** the subscriber's transport-wide sequence number id, 0 = none */
  readonly extTransportCc?: number;
  /** first outgoing sequence number and timestamp (random, RFC 3550 §5.1) */
  readonly firstSeq: number;
  readonly firstTs: number;
  readonly history?: number;
  readonly cname: string;
}

/** One packet the router wants sent (plaintext; the media worker protects it). */
export interface RouterOut {
  readonly conn: number;
  readonly rtcp: boolean;
  readonly data: Buffer;
}

/** What one per-packet or tick call produced. */
export interface RouterResultBatch {
  readonly out: RouterOut[];
  /** the event log, decoded by `router-events.ts` */
  readonly events: Buffer;
}

/** The router's counters (`tp_router_counters`), plus the test surface's own drops. */
export interface RouterCounters {
  readonly rtpIn: number;
  readonly rtpOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly rtcpIn: number;
  readonly rtcpOut: number;
  readonly nacksSent: number;
  readonly nacksReceived: number;
  readonly retransmits: number;
  readonly plis: number;
  readonly droppedUnknown: number;
  readonly droppedMalformed: number;
  /** video packets of a simulcast layer nobody receives, not forwarded */
  readonly unwanted: number;
  /** NACKed packets not sent again: over the connection's retransmission budget */
  readonly rtxOverBudget: number;
  /** transport-wide feedback messages sent to publishers, and the packets they reported */
  readonly twccFeedback: number;
  readonly twccReported: number;
  /** VP8 packets above a subscriber's temporal target, not sent to it */
  readonly temporalDropped: number;
  readonly outDropped: number;
  readonly eventsLost: number;
}

/** An opaque native router. */
export type RouterHandle = { readonly __nativeRouter: unique symbol };

/** The addon's router test surface (native/src/sfu/router-napi.c). */
export interface RouterAddon {
  routerNew(): RouterHandle;
  routerConnAdd(r: RouterHandle, id: number, spec: RouterConnSpec): RouterResult;
  /** new extension ids (and RTCP SSRC) for an existing connection; its tracks stay */
  routerConnSet(r: RouterHandle, id: number, spec: RouterConnSpec): RouterResult;
  routerUpAdd(r: RouterHandle, id: number, spec: RouterUpSpec): RouterResult;
  routerDownAdd(r: RouterHandle, id: number, spec: RouterDownSpec): RouterResult;
  /** the layer the down-track should carry (switched at its next keyframe); paused: nothing */
  routerDownTarget(r: RouterHandle, id: number, layer: number, paused: boolean): RouterResult;
  /** the highest VP8 temporal layer forwarded, 0-2, or 3 for all (the default) */
  routerDownTemporal(r: RouterHandle, id: number, tidMax: number): RouterResult;
  routerRemove(r: RouterHandle, kind: 'conn' | 'up' | 'down', id: number): RouterResult;
  routerRequestKeyframe(r: RouterHandle, up: number, layer: number): RouterResultBatch;
  routerSetAudioThreshold(r: RouterHandle, level: number): void;
  routerRtp(r: RouterHandle, conn: number, packet: Uint8Array, nowUs: number): RouterResultBatch;
  routerRtcp(r: RouterHandle, conn: number, packet: Uint8Array, nowUs: number): RouterResultBatch;
  routerTick(r: RouterHandle, nowUs: number, wallMs: number): RouterResultBatch;
  routerCounters(r: RouterHandle): RouterCounters;
}
