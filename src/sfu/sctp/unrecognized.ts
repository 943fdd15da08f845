/**
 * What to do with a chunk of a type this end does not know (RFC 9260 §3.2): the type's two high
 * bits say whether to skip it or the rest of the packet (0x80) and whether to tell the peer in an
 * ERROR with an Unrecognized Chunk Type cause holding the chunk whole (0x40, §3.3.10.6). Pure.
 */
import { encodeChunk, type Chunk } from './chunks.ts';

/** The ERROR cause that carries a chunk the receiver does not know (RFC 9260 §3.3.10.6). */
const UNRECOGNIZED_CHUNK_TYPE = 6;

export function unrecognizedChunk(chunk: Extract<Chunk, { type: 'unknown' }>): { readonly stop: boolean; readonly report: Chunk | undefined } {
  const report: Chunk | undefined =
    (chunk.chunkType & 0x40) !== 0 ? { type: 'error', causes: [{ code: UNRECOGNIZED_CHUNK_TYPE, info: encodeChunk(chunk).subarray(0, 4 + chunk.value.length) }] } : undefined;
  return { stop: (chunk.chunkType & 0x80) === 0, report };
}
