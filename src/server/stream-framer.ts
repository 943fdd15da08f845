/**
 * Cuts a TCP or TLS byte stream into STUN and ChannelData frames (RFC 8656 §12.5, RFC 6062
 * §4.1), whatever way the bytes arrive. Pure: bytes in, frames out. It holds at most one
 * partial frame (bounded by STUN's and ChannelData's 16-bit lengths), copied, so a stalled
 * client never pins the whole chunk it arrived in.
 */
import { streamFrameLength } from '../stun/index.ts';

/** No frame can be longer than this: a 20-byte STUN header and a 16-bit length. */
export const MAX_FRAME = 20 + 0xffff;

/** What one chunk gave: complete frames, and whether the stream is beyond repair. */
export interface FramerOutput {
  frames: Uint8Array[];
  /** the stream does not start with a STUN or ChannelData message here: close the connection */
  garbage: boolean;
  /** when `stopAfter` stopped the framing: the bytes after that frame, unframed (copied) */
  rest?: Uint8Array;
}

/** The framing state of one connection. */
export class StreamFramer {
  readonly #maxChannelNumber: number;
  #pending: Uint8Array = new Uint8Array(0);
  #broken = false;

  constructor(maxChannelNumber: number) {
    this.#maxChannelNumber = maxChannelNumber;
  }

  /** Bytes held from a partial frame. */
  get pendingBytes(): number {
    return this.#pending.length;
  }

  /**
   * Takes the next chunk of the stream. Frames are views into the chunk (or into a joined copy).
   * With `stopAfter`, framing stops after the first frame it accepts and the bytes after it come
   * back as `rest` (RFC 6062 §5.4: after a ConnectionBind the stream may stop being STUN).
   */
  push(chunk: Uint8Array, stopAfter?: (frame: Uint8Array) => boolean): FramerOutput {
    const frames: Uint8Array[] = [];
    if (this.#broken) return { frames, garbage: true };
    let buf = chunk;
    if (this.#pending.length > 0) {
      buf = new Uint8Array(this.#pending.length + chunk.length);
      buf.set(this.#pending, 0);
      buf.set(chunk, this.#pending.length);
    }
    let offset = 0;
    while (offset < buf.length) {
      const view = buf.subarray(offset);
      const len = streamFrameLength(view, this.#maxChannelNumber);
      if (len < 0 || len > MAX_FRAME) {
        this.#broken = true;
        this.#pending = new Uint8Array(0);
        return { frames, garbage: true };
      }
      if (len === 0 || len > view.length) break;
      const frame = view.subarray(0, len);
      frames.push(frame);
      offset += len;
      if (stopAfter !== undefined && stopAfter(frame)) {
        this.#pending = new Uint8Array(0);
        return { frames, garbage: false, rest: buf.slice(offset) };
      }
    }
    this.#pending = offset >= buf.length ? new Uint8Array(0) : buf.slice(offset);
    return { frames, garbage: false };
  }
}
