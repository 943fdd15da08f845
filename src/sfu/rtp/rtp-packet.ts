/**
 * RTP fixed header (RFC 3550 §5.1) and header-extension block (RFC 8285 §4) reading and in-place
 * rewriting. Pure: bytes in, a typed view or an error value out; never reads past the buffer.
 */

/** Offsets and fields of one RTP packet, read once and shared by the forwarding path. */
export interface RtpView {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  /** offset of the header-extension block (its 4-byte profile/length word), or -1 */
  readonly extensionOffset: number;
  /** offset of the payload (after CSRCs and extensions) */
  readonly payloadOffset: number;
  /** end of the payload (before padding) */
  readonly payloadEnd: number;
}

/** A parsed RTP header, or why it could not be parsed. */
export type RtpParse = { readonly ok: true; readonly rtp: RtpView } | { readonly ok: false; readonly reason: string };

/** RFC 5761 §4: a packet whose second byte is 192..223 is RTCP when both share a port. */
export function isRtcp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

/** Reads an RTP header (RFC 3550 §5.1). */
export function parseRtp(buf: Uint8Array): RtpParse {
  if (buf.length < 12) return { ok: false, reason: 'shorter than an RTP header' };
  const b0 = buf[0];
  if (b0 >> 6 !== 2) return { ok: false, reason: 'RTP version is not 2' };
  const csrcCount = b0 & 0x0f;
  let offset = 12 + csrcCount * 4;
  let extensionOffset = -1;
  if (b0 & 0x10) {
    if (offset + 4 > buf.length) return { ok: false, reason: 'header extension past the end' };
    extensionOffset = offset;
    const words = (buf[offset + 2] << 8) | buf[offset + 3];
    offset += 4 + words * 4;
  }
  if (offset > buf.length) return { ok: false, reason: 'header past the end' };
  let end = buf.length;
  if (b0 & 0x20) {
    const pad = buf[buf.length - 1];
    if (pad === 0 || end - pad < offset) return { ok: false, reason: 'bad padding length' };
    end -= pad;
  }
  return {
    ok: true,
    rtp: {
      marker: (buf[1] & 0x80) !== 0,
      payloadType: buf[1] & 0x7f,
      sequenceNumber: (buf[2] << 8) | buf[3],
      timestamp: ((buf[4] << 24) | (buf[5] << 16) | (buf[6] << 8) | buf[7]) >>> 0,
      ssrc: ((buf[8] << 24) | (buf[9] << 16) | (buf[10] << 8) | buf[11]) >>> 0,
      extensionOffset,
      payloadOffset: offset,
      payloadEnd: end,
    },
  };
}

/** Writes sequence number, timestamp and SSRC into an RTP header in place (RFC 3550 §5.1). */
export function writeRtpIds(buf: Uint8Array, seq: number, timestamp: number, ssrc: number): void {
  buf[2] = (seq >> 8) & 0xff;
  buf[3] = seq & 0xff;
  buf[4] = (timestamp >>> 24) & 0xff;
  buf[5] = (timestamp >>> 16) & 0xff;
  buf[6] = (timestamp >>> 8) & 0xff;
  buf[7] = timestamp & 0xff;
  buf[8] = (ssrc >>> 24) & 0xff;
  buf[9] = (ssrc >>> 16) & 0xff;
  buf[10] = (ssrc >>> 8) & 0xff;
  buf[11] = ssrc & 0xff;
}

/** Writes the payload type in place, keeping the marker bit. */
export function writePayloadType(buf: Uint8Array, pt: number): void {
  buf[1] = (buf[1] & 0x80) | (pt & 0x7f);
}

/** One header-extension element (RFC 8285 §4.2 one-byte or §4.3 two-byte form). */
export interface ExtensionElement {
  readonly id: number;
  /** offset of the element's data in the packet */
  readonly offset: number;
  readonly length: number;
}

/** The RFC 8285 profile words: 0xBEDE one-byte, 0x100X two-byte. */
export const ONE_BYTE_PROFILE = 0xbede;
const isTwoByteProfile = (p: number): boolean => (p & 0xfff0) === 0x1000;

/** Lists the extension elements of a packet; an empty list for none or an unknown profile. */
export function readExtensions(buf: Uint8Array, rtp: RtpView): ExtensionElement[] {
  const out: ExtensionElement[] = [];
  if (rtp.extensionOffset < 0) return out;
  const profile = (buf[rtp.extensionOffset] << 8) | buf[rtp.extensionOffset + 1];
  const end = rtp.payloadOffset;
  let i = rtp.extensionOffset + 4;
  if (profile === ONE_BYTE_PROFILE) {
    while (i < end) {
      const b = buf[i];
      if (b === 0) {
        i++; // padding between elements (RFC 8285 §4.2)
        continue;
      }
      const id = b >> 4;
      if (id === 15) break; // reserved: stop parsing, per RFC 8285 §4.2
      const len = (b & 0x0f) + 1;
      if (i + 1 + len > end) break;
      out.push({ id, offset: i + 1, length: len });
      i += 1 + len;
    }
  } else if (isTwoByteProfile(profile)) {
    while (i + 1 < end) {
      const id = buf[i];
      if (id === 0) {
        i++;
        continue;
      }
      const len = buf[i + 1];
      if (i + 2 + len > end) break;
      out.push({ id, offset: i + 2, length: len });
      i += 2 + len;
    }
  }
  return out;
}

/** Finds one extension element's data by id. */
export function findExtension(buf: Uint8Array, rtp: RtpView, id: number): ExtensionElement | undefined {
  if (id <= 0) return undefined;
  return readExtensions(buf, rtp).find((e) => e.id === id);
}

/**
 * Rebuilds a packet keeping only extensions whose id is in `idMap` (old id → new id), as a
 * subscriber negotiated them (RFC 8285 §5: ids are per-session, so each side has its own). The
 * one-byte form is used when every kept element fits it (id ≤ 14, length 1..16). A non-zero
 * `reserveId` appends one more, two-byte element of that id with zeroed data, for the sender to
 * fill per packet (the transport-wide sequence number, draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).
 */
export function remapExtensions(
  buf: Uint8Array,
  rtp: RtpView,
  idMap: ReadonlyMap<number, number>,
  alloc: (size: number) => Uint8Array = (n) => new Uint8Array(n),
  reserveId = 0,
): Uint8Array {
  const kept: { id: number; offset: number; length: number }[] = readExtensions(buf, rtp).filter((e) => idMap.has(e.id));
  if (reserveId > 0) kept.push({ id: -1, offset: -1, length: 2 });
  const headerEnd = rtp.extensionOffset < 0 ? rtp.payloadOffset : rtp.extensionOffset;
  const newId = (e: { id: number }): number => (e.id < 0 ? reserveId : (idMap.get(e.id) as number));
  const oneByte = kept.every((e) => newId(e) <= 14 && e.length >= 1 && e.length <= 16);
  let bodyLen = 0;
  for (const e of kept) bodyLen += (oneByte ? 1 : 2) + e.length;
  const padded = (bodyLen + 3) & ~3;
  const extLen = kept.length === 0 ? 0 : 4 + padded;
  const out = alloc(headerEnd + extLen + (buf.length - rtp.payloadOffset));
  out.set(buf.subarray(0, headerEnd), 0);
  if (extLen === 0) {
    out[0] &= ~0x10;
  } else {
    out[0] |= 0x10;
    let o = headerEnd;
    const profile = oneByte ? ONE_BYTE_PROFILE : 0x1000;
    out[o++] = profile >> 8;
    out[o++] = profile & 0xff;
    out[o++] = (padded / 4) >> 8;
    out[o++] = (padded / 4) & 0xff;
    for (const e of kept) {
      const id = newId(e);
      if (oneByte) {
        out[o++] = (id << 4) | (e.length - 1);
      } else {
        out[o++] = id;
        out[o++] = e.length;
      }
      if (e.offset < 0) out.fill(0, o, o + e.length);
      else out.set(buf.subarray(e.offset, e.offset + e.length), o);
      o += e.length;
    }
    out.fill(0, o, headerEnd + extLen); // padding to the 32-bit boundary
  }
  out.set(buf.subarray(rtp.payloadOffset), headerEnd + extLen);
  return out;
}

/** RFC 6464 §3 audio level: { voice activity, level 0..127 dBov below 0 }, from the element data. */
export function readAudioLevel(buf: Uint8Array, e: ExtensionElement): { voice: boolean; level: number } | undefined {
  if (e.length < 1) return undefined;
  const b = buf[e.offset];
  return { voice: (b & 0x80) !== 0, level: b & 0x7f };
}
