/**
 * The SCTP packet: common header (RFC 9260 §3.1) followed by chunks, CRC32c checked on the
 * way in and written on the way out (RFC 9260 §6.8). Over DTLS one DTLS record carries exactly
 * one SCTP packet (RFC 8261 §5).
 */
import { type Chunk, type Decoded, decodeChunkValue, encodeChunk } from './chunks.ts';
import { verifySctpChecksum, writeSctpChecksum } from './crc32c.ts';

export interface SctpPacket {
  sourcePort: number;
  destinationPort: number;
  verificationTag: number;
  chunks: Chunk[];
}

/** Why a packet was dropped: the checksum is told apart so it can be counted on its own. */
export type PacketError = { ok: false; reason: string; badChecksum?: true };

/** Decodes and checks one packet. The whole packet is refused if any chunk is malformed. */
export function decodePacket(bytes: Uint8Array, opts: { skipChecksum?: boolean } = {}): Decoded<SctpPacket> | PacketError {
  if (bytes.length < 12) return { ok: false, reason: 'shorter than the common header' };
  if (!opts.skipChecksum && !verifySctpChecksum(bytes)) return { ok: false, reason: 'bad checksum', badChecksum: true };
  const chunks: Chunk[] = [];
  let i = 12;
  while (i < bytes.length) {
    if (bytes.length - i < 4) return { ok: false, reason: 'truncated chunk header' };
    const type = bytes[i];
    const flags = bytes[i + 1];
    const len = (bytes[i + 2] << 8) | bytes[i + 3];
    if (len < 4 || i + len > bytes.length) return { ok: false, reason: `chunk ${type} length ${len}` };
    const c = decodeChunkValue(type, flags, bytes.subarray(i + 4, i + len));
    if (!c.ok) return c;
    chunks.push(c.value);
    // The last chunk's padding may be missing; other chunks carry it (RFC 9260 §3.2).
    i += (len + 3) & ~3;
  }
  if (chunks.length === 0) return { ok: false, reason: 'no chunks' };
  const verificationTag = ((bytes[4] << 24) | (bytes[5] << 16) | (bytes[6] << 8) | bytes[7]) >>> 0;
  return { ok: true, value: { sourcePort: (bytes[0] << 8) | bytes[1], destinationPort: (bytes[2] << 8) | bytes[3], verificationTag, chunks } };
}

/** Encodes a packet from already-encoded chunks and writes its checksum. */
export function encodePacketFrom(header: Omit<SctpPacket, 'chunks'>, encodedChunks: readonly Uint8Array[]): Uint8Array {
  const size = 12 + encodedChunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, header.sourcePort);
  dv.setUint16(2, header.destinationPort);
  dv.setUint32(4, header.verificationTag >>> 0);
  let i = 12;
  for (const c of encodedChunks) {
    out.set(c, i);
    i += c.length;
  }
  writeSctpChecksum(out);
  return out;
}

/** Encodes a packet and writes its checksum. */
export function encodePacket(p: SctpPacket): Uint8Array {
  return encodePacketFrom(p, p.chunks.map(encodeChunk));
}

/**
 * RFC 9260 §8.5 and §8.5.1: whether a packet carries the Verification Tag it must. An INIT
 * alone with tag 0; a COOKIE-ECHO is checked against its cookie instead; a reflected ABORT or
 * SHUTDOWN COMPLETE the peer's tag; anything else ours, and with no association yet it is out
 * of the blue.
 */
export function tagVerdict(tag: number, chunks: readonly Chunk[], ours: { localTag: number; peerTag: number | undefined; closed: boolean }): 'ok' | 'badTag' | 'outOfTheBlue' {
  const first = chunks[0];
  const ok = (b: boolean): 'ok' | 'badTag' => (b ? 'ok' : 'badTag');
  if (chunks.some((c) => c.type === 'init')) return ok(chunks.length === 1 && tag === 0);
  if (first.type === 'cookie-echo') return 'ok';
  if ((first.type === 'abort' || first.type === 'shutdown-complete') && first.reflected) return ok(ours.peerTag !== undefined && tag === ours.peerTag);
  if (ours.closed && ours.localTag === 0) return 'outOfTheBlue';
  return ok(tag === ours.localTag);
}
