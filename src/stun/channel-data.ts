/**
 * ChannelData messages (RFC 8656 §12.4): a 2-byte channel number in 0x4000–0x4FFF, a 2-byte
 * data length, then the data. Over TCP and TLS the message is padded to a multiple of 4
 * bytes (§12.5); over UDP padding is optional and a receiver ignores it.
 */
import type { ChannelData, DecodeResult } from './types.ts';

/** RFC 8656 §12: the lowest channel number a client may bind. */
export const MIN_CHANNEL_NUMBER = 0x4000;
/** RFC 8656 §12: the highest channel number a client may bind. */
export const MAX_CHANNEL_NUMBER = 0x4fff;
/** RFC 5766 §11 allowed channel numbers up to 0x7FFF; older clients (coturn's turnutils_uclient) still use them. */
export const RFC5766_MAX_CHANNEL_NUMBER = 0x7fff;
/** RFC 8656 §12.4: the ChannelData header length. */
export const CHANNEL_DATA_HEADER_LENGTH = 4;

/**
 * Decodes a ChannelData message. `data` is a view into `buf`, not a copy. Bytes after the
 * data (padding, which UDP may carry) are ignored. Fails with `too-short` under 4 bytes,
 * `channel-data-bad-channel` outside 0x4000–0x4FFF and `channel-data-overrun` when the
 * length field claims more bytes than `buf` has.
 */
export function decodeChannelData(buf: Uint8Array, maxChannelNumber: number = MAX_CHANNEL_NUMBER): DecodeResult<ChannelData> {
  if (buf.length < CHANNEL_DATA_HEADER_LENGTH) {
    return { ok: false, error: { reason: 'too-short', offset: buf.length, detail: `${buf.length} bytes, a ChannelData header has 4` } };
  }
  const channelNumber = (buf[0] << 8) | buf[1];
  if (channelNumber < MIN_CHANNEL_NUMBER || channelNumber > maxChannelNumber) {
    return {
      ok: false,
      error: { reason: 'channel-data-bad-channel', offset: 0, detail: `channel number 0x${channelNumber.toString(16)} is outside 0x4000-0x${maxChannelNumber.toString(16)}` },
    };
  }
  const length = (buf[2] << 8) | buf[3];
  if (CHANNEL_DATA_HEADER_LENGTH + length > buf.length) {
    return {
      ok: false,
      error: { reason: 'channel-data-overrun', offset: 2, detail: `length ${length} but ${buf.length - CHANNEL_DATA_HEADER_LENGTH} bytes follow the header` },
    };
  }
  const data = new Uint8Array(buf.buffer, buf.byteOffset + CHANNEL_DATA_HEADER_LENGTH, length);
  return { ok: true, value: { channelNumber, data } };
}

/**
 * Encodes a ChannelData message. `padToFour` adds the zero padding required over TCP and TLS
 * (RFC 8656 §12.5). Throws a RangeError for a channel number outside 0x4000–0x4FFF or more
 * than 65535 bytes of data: a bug in the caller.
 */
export function encodeChannelData(channelNumber: number, data: Uint8Array, padToFour = false, maxChannelNumber: number = MAX_CHANNEL_NUMBER): Buffer {
  if (!Number.isInteger(channelNumber) || channelNumber < MIN_CHANNEL_NUMBER || channelNumber > maxChannelNumber) {
    throw new RangeError(`cannot encode ChannelData: channel number ${String(channelNumber)} is outside 0x4000-0x4fff`);
  }
  if (data.length > 0xffff) throw new RangeError(`cannot encode ChannelData: ${data.length} bytes do not fit a 16-bit length`);
  const length = CHANNEL_DATA_HEADER_LENGTH + data.length;
  const out = Buffer.allocUnsafe(padToFour ? (length + 3) & ~3 : length);
  out[0] = channelNumber >> 8;
  out[1] = channelNumber & 0xff;
  out[2] = data.length >> 8;
  out[3] = data.length & 0xff;
  out.set(data, CHANNEL_DATA_HEADER_LENGTH);
  // The buffer is not zero-filled, so the padding must be written explicitly.
  out.fill(0, length);
  return out;
}
