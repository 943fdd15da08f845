/**
 * Cutting a TCP or TLS byte stream into STUN and ChannelData messages (RFC 8656 §12.5,
 * RFC 6062 §4): a STUN message is 20 bytes plus its length field; a ChannelData message is 4
 * bytes plus its length field, rounded up to a multiple of 4. The first byte tells them apart
 * (RFC 7983: 0–3 STUN, 64–79 ChannelData).
 */
import { MAGIC_COOKIE } from './types.ts';

/**
 * The byte length of the first complete frame in `buf`; 0 if more bytes are needed to know
 * or to complete it; -1 if `buf` does not start with a STUN or ChannelData message, after
 * which the stream cannot be resynchronised and should be closed.
 */
export function streamFrameLength(buf: Uint8Array, maxChannelNumber = 0x4fff): number {
  if (buf.length === 0) return 0;
  const first = buf[0];
  if (first < 0x40) {
    if (buf.length >= 8) {
      const cookie = buf[4] * 0x1000000 + ((buf[5] << 16) | (buf[6] << 8) | buf[7]);
      if (cookie !== MAGIC_COOKIE) return -1;
    }
    if (buf.length < 4) return 0;
    const length = (buf[2] << 8) | buf[3];
    // A STUN body is whole 4-byte attributes; any other length means the stream is not STUN.
    if ((length & 3) !== 0) return -1;
    const total = 20 + length;
    return buf.length >= total ? total : 0;
  }
  if (first <= maxChannelNumber >> 8) {
    if (buf.length < 4) return 0;
    const total = (4 + ((buf[2] << 8) | buf[3]) + 3) & ~3;
    return buf.length >= total ? total : 0;
  }
  return -1;
}
