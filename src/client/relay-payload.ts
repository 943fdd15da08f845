/**
 * The datagrams `uclient` sends through a relay and reads back: ChannelData (RFC 8656 §12.4)
 * or Send indications (§10.1) built once as templates and stamped per message, and the
 * application data they carry, which starts with a 16-byte stamp (client id, sequence
 * number, send time) so that loss and round-trip time are exact. Reading back finds the data
 * in a ChannelData message or a Data indication (§10.4) without decoding objects.
 */
import { encodeMessage } from '../stun/index.ts';
import { Attr, HEADER_LENGTH, MAGIC_COOKIE, Method, MessageClass, type TransportAddress } from '../stun/types.ts';

/** Bytes at the start of every message's data: u32 client id, u32 sequence, f64 send time (ms). */
export const STAMP_LENGTH = 16;

/** Writes the stamp at `off`: who sent it, which message it is, when (a monotonic ms clock). */
export function writeStamp(buf: Buffer, off: number, clientId: number, seq: number, sentAtMs: number): void {
  buf.writeUInt32BE(clientId, off);
  buf.writeUInt32BE(seq, off + 4);
  buf.writeDoubleBE(sentAtMs, off + 8);
}

/** The client id of the stamp at `off`. */
export function stampClient(buf: Buffer, off: number): number {
  return buf.readUInt32BE(off);
}

/** The sequence number of the stamp at `off`. */
export function stampSeq(buf: Buffer, off: number): number {
  return buf.readUInt32BE(off + 4);
}

/** The send time (ms) of the stamp at `off`. */
export function stampTime(buf: Buffer, off: number): number {
  return buf.readDoubleBE(off + 8);
}

/** A datagram built once: copy `bytes`, then write the data at `dataOffset` (`dataLength` bytes). */
export interface DatagramTemplate {
  bytes: Buffer;
  dataOffset: number;
  dataLength: number;
}

/** Fills application data after the stamp with a recognisable pattern. */
function fillPattern(buf: Buffer, from: number, to: number): void {
  for (let i = from; i < to; i++) buf[i] = (i - from) & 0xff;
}

/**
 * A ChannelData message (RFC 8656 §12.4) for `channel` with `length` bytes of data; over TCP
 * (`padToFour`) padded to a multiple of four bytes as §12.5 requires.
 */
export function channelDataTemplate(channel: number, length: number, padToFour: boolean): DatagramTemplate {
  const total = padToFour ? (4 + length + 3) & ~3 : 4 + length;
  const bytes = Buffer.alloc(total);
  bytes.writeUInt16BE(channel, 0);
  bytes.writeUInt16BE(length, 2);
  fillPattern(bytes, 4 + STAMP_LENGTH, 4 + length);
  return { bytes, dataOffset: 4, dataLength: length };
}

/**
 * A Send indication (RFC 8656 §10.1) to `peer` with `length` bytes of DATA, the last
 * attribute, so the data sits at a fixed offset. The transaction id is written per message
 * by `stampTransactionId`.
 */
export function sendIndicationTemplate(peer: TransportAddress, length: number, dontFragment: boolean): DatagramTemplate {
  const data = new Uint8Array(length);
  const bytes = encodeMessage({
    method: Method.Send,
    class: MessageClass.Indication,
    transactionId: new Uint8Array(12),
    attributes: [
      { type: Attr.XorPeerAddress, value: peer },
      ...(dontFragment ? [{ type: Attr.DontFragment, value: true } as const] : []),
      { type: Attr.Data, value: data },
    ],
  });
  const dataOffset = bytes.length - ((length + 3) & ~3);
  fillPattern(bytes, dataOffset + STAMP_LENGTH, dataOffset + length);
  return { bytes, dataOffset, dataLength: length };
}

/**
 * Gives a Send indication a unique transaction id (RFC 8489 §6: indications need one too)
 * without randomness per message: the client id and sequence number, then a fixed tail.
 */
export function stampTransactionId(buf: Buffer, clientId: number, seq: number): void {
  buf.writeUInt32BE(clientId, 8);
  buf.writeUInt32BE(seq, 12);
  buf.writeUInt32BE(0x75636c74, 16);
}

/**
 * Where the application data of an incoming datagram starts, or -1: after the 4-byte header
 * of a ChannelData message (first byte 0x40–0x7F, RFC 8656 §12.4) or at the DATA attribute of
 * a Data indication (§10.4). The data length is `dataLengthAt(buf, offset)`.
 */
export function relayedDataOffset(buf: Buffer): number {
  const n = buf.length;
  if (n < 4) return -1;
  const first = buf[0];
  if (first >= 0x40 && first <= 0x7f) {
    return 4 + ((buf[2] << 8) | buf[3]) <= n ? 4 : -1;
  }
  // RFC 8489 §5: a Data indication is message type 0x0017.
  if (n < HEADER_LENGTH || first !== 0x00 || buf[1] !== 0x17 || buf.readUInt32BE(4) !== MAGIC_COOKIE) return -1;
  let pos = HEADER_LENGTH;
  while (pos + 4 <= n) {
    const type = buf.readUInt16BE(pos);
    const length = buf.readUInt16BE(pos + 2);
    if (pos + 4 + length > n) return -1;
    if (type === Attr.Data) return pos + 4;
    pos += 4 + ((length + 3) & ~3);
  }
  return -1;
}

/** The length of the data found by `relayedDataOffset` (the 16-bit length just before it). */
export function dataLengthAt(buf: Buffer, dataOffset: number): number {
  return buf.readUInt16BE(dataOffset - 2);
}
