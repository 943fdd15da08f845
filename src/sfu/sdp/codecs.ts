/**
 * What the SFU forwards: Opus (RFC 7587), VP8 (RFC 7741), VP9 (RFC 9628) and H.264 (RFC 6184),
 * with NACK/PLI/FIR/REMB feedback (RFC 4585, RFC 5104) and a few header extensions (RFC 8285).
 * Publisher offers are narrowed to these before the WebRTC stack answers them, and each
 * subscriber connection gets payload type numbers that never collide inside its BUNDLE group
 * (RFC 8843 §9.1.1).
 */
import type { SdpCodec, SdpExtmap } from './sdp.ts';

/** Header extension URIs the SFU knows (RFC 8285 §5). */
export const ExtensionUri = {
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid',
  rid: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  audioLevel: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  absSendTime: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  toffset: 'urn:ietf:params:rtp-hdrext:toffset',
  videoOrientation: 'urn:3gpp:video-orientation',
  playoutDelay: 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay',
} as const;

/**
 * Transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2): offered
 * to subscribers only, written by the SFU per packet so their feedback drives its estimate.
 */
export const transportCcUri = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';

/** Extensions publishers may send (the rest are removed from their offers). */
export const publisherExtensions: ReadonlySet<string> = new Set(Object.values(ExtensionUri));

/** Extensions offered to subscribers, with the ids the SFU assigns (same in every subscriber offer). */
export const subscriberExtensions: { readonly audio: readonly SdpExtmap[]; readonly video: readonly SdpExtmap[] } = {
  audio: [{ id: 1, uri: ExtensionUri.audioLevel }],
  video: [
    { id: 2, uri: ExtensionUri.absSendTime },
    { id: 3, uri: ExtensionUri.toffset },
    { id: 4, uri: ExtensionUri.videoOrientation },
    { id: 5, uri: ExtensionUri.playoutDelay },
    { id: 6, uri: transportCcUri },
  ],
};

/** A forwardable codec's canonical name. */
export type CodecName = 'opus' | 'vp8' | 'vp9' | 'h264';

/** Returns the canonical name if the SFU forwards this codec on this kind of section. */
export function forwardableCodec(kind: string, c: SdpCodec): CodecName | undefined {
  const n = c.name.toLowerCase();
  if (kind === 'audio') return n === 'opus' && c.clockRate === 48000 ? 'opus' : undefined;
  if (kind === 'video' && c.clockRate === 90000 && (n === 'vp8' || n === 'vp9' || n === 'h264')) return n;
  return undefined;
}

/**
 * Feedback kept on forwarded video codecs; transport-cc only where the transport reports arrivals
 * back (the native path), otherwise the publisher estimates from the SFU's REMB.
 */
const KEPT_FEEDBACK = new Set(['nack', 'nack pli', 'ccm fir', 'goog-remb']);

/** A codec as a down-track offers it. */
export interface DownCodec {
  readonly kind: 'audio' | 'video';
  readonly name: CodecName;
  readonly pt: number;
  readonly clockRate: number;
  readonly channels: number | undefined;
  readonly fmtp: string | undefined;
  readonly rtcpFb: readonly string[];
}

/** Identity of a codec configuration: two tracks with equal keys may share a payload type. */
export function codecKey(name: CodecName, clockRate: number, channels: number | undefined, fmtp: string | undefined): string {
  const params = (fmtp ?? '')
    .split(';')
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p.length > 0)
    .sort()
    .join(';');
  return `${name}/${clockRate}/${channels ?? ''}/${params}`;
}

/** Payload types the SFU prefers per codec, as Chrome numbers them; others come from 96..127. */
const PREFERRED_PT: Record<CodecName, number> = { opus: 111, vp8: 96, vp9: 98, h264: 102 };

/**
 * Hands out payload types for one subscriber connection: one number per codec configuration,
 * never two configurations on one number (a BUNDLE group shares the PT space, RFC 8843 §9.1.1).
 */
export class PayloadTypeAllocator {
  readonly #byKey = new Map<string, number>();
  readonly #used = new Set<number>();

  /** The payload type for a codec configuration, allocating one if new; undefined when all are taken. */
  assign(name: CodecName, key: string): number | undefined {
    const known = this.#byKey.get(key);
    if (known !== undefined) return known;
    const preferred = PREFERRED_PT[name];
    let pt: number | undefined = this.#used.has(preferred) ? undefined : preferred;
    for (let p = 96; pt === undefined && p <= 127; p++) if (!this.#used.has(p)) pt = p;
    if (pt === undefined) {
      for (let p = 35; pt === undefined && p <= 63; p++) if (!this.#used.has(p)) pt = p;
    }
    if (pt === undefined) return undefined;
    this.#used.add(pt);
    this.#byKey.set(key, pt);
    return pt;
  }
}

/** The codec a down-track offers for a publisher's codec, on a given payload type. */
export function downCodec(kind: 'audio' | 'video', name: CodecName, c: SdpCodec, pt: number): DownCodec {
  const rtcpFb = kind === 'video' ? ['nack', 'nack pli', 'ccm fir', 'goog-remb', 'transport-cc'] : [];
  return { kind, name, pt, clockRate: c.clockRate, channels: c.channels, fmtp: c.fmtp, rtcpFb };
}

/** Whether an rtcp-fb value is kept in publisher offers. */
export function keptFeedback(value: string, transportCc = false): boolean {
  const v = value.trim().toLowerCase();
  return KEPT_FEEDBACK.has(v) || (transportCc && v === 'transport-cc');
}
