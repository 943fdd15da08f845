/**
 * Keyframe detection from the first bytes of an RTP payload, per payload format: VP8
 * (RFC 7741 §4.2–4.3), VP9 (RFC 9628 §4.2), H.264 (RFC 6184 §5.2–5.8). A subscriber that joins
 * mid-stream is held back until a keyframe so its decoder starts cleanly; simulcast switches
 * happen on one too.
 */

/** Video codecs the SFU forwards. */
export type VideoCodec = 'vp8' | 'vp9' | 'h264';

/** VP8: payload descriptor, then the payload header's inverse key-frame bit P (RFC 7741 §4.3). */
export function isVp8Keyframe(p: Uint8Array): boolean {
  if (p.length < 1) return false;
  const b0 = p[0];
  const start = (b0 & 0x10) !== 0;
  const partition = b0 & 0x07;
  if (!start || partition !== 0) return false;
  let i = 1;
  if (b0 & 0x80) {
    if (p.length < 2) return false;
    const x = p[1];
    i = 2;
    if (x & 0x80) i += p.length > i && p[i] & 0x80 ? 2 : 1; // PictureID, 7 or 15 bits
    if (x & 0x40) i += 1; // TL0PICIDX
    if (x & 0x30) i += 1; // TID/Y/KEYIDX
  }
  return i < p.length && (p[i] & 0x01) === 0;
}

/** VP9: start of a frame that is not inter-picture predicted, in the lowest spatial layer. */
export function isVp9Keyframe(p: Uint8Array): boolean {
  if (p.length < 1) return false;
  const b0 = p[0];
  const interPredicted = (b0 & 0x40) !== 0;
  const beginsFrame = (b0 & 0x08) !== 0;
  if (interPredicted || !beginsFrame) return false;
  if (!(b0 & 0x20)) return true; // no layer indices: single layer
  let i = 1;
  if (b0 & 0x80) i += p.length > i && p[i] & 0x80 ? 2 : 1;
  if (i >= p.length) return false;
  return ((p[i] >> 1) & 0x07) === 0; // layer indices TID|U|SID|D: spatial id 0
}

const isIdrOrSps = (nal: number): boolean => nal === 5 || nal === 7;

/** H.264: an IDR slice or SPS, alone, inside a STAP-A, or starting an FU-A (RFC 6184 §5.7–5.8). */
export function isH264Keyframe(p: Uint8Array): boolean {
  if (p.length < 1) return false;
  const type = p[0] & 0x1f;
  if (type >= 1 && type <= 23) return isIdrOrSps(type);
  if (type === 24) {
    for (let i = 1; i + 2 < p.length; ) {
      const size = (p[i] << 8) | p[i + 1];
      if (size === 0 || i + 2 + size > p.length) return false;
      if (isIdrOrSps(p[i + 2] & 0x1f)) return true;
      i += 2 + size;
    }
    return false;
  }
  if (type === 28 && p.length >= 2) return (p[1] & 0x80) !== 0 && isIdrOrSps(p[1] & 0x1f);
  return false;
}

/** Dispatches on codec. */
export function isKeyframe(codec: VideoCodec, payload: Uint8Array): boolean {
  switch (codec) {
    case 'vp8':
      return isVp8Keyframe(payload);
    case 'vp9':
      return isVp9Keyframe(payload);
    case 'h264':
      return isH264Keyframe(payload);
  }
}
