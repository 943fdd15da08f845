/**
 * VP8 temporal layers (RFC 7741 §4.2) as one subscriber receives them: the payload descriptor's
 * PictureID, TID and layer-sync bit, and a filter that leaves out the pictures above a target
 * temporal layer while keeping the subscriber's PictureIDs free of holes. The native router does
 * the same in C (native/src/sfu/router-down.c); this is the stack path's. Pure.
 */

/** What temporal scalability needs of a VP8 payload descriptor. */
export interface Vp8Descriptor {
  /** S set and partition index 0: the first packet of a picture */
  readonly start: boolean;
  /** the PictureID, its width (15 or 7 bits) and offset in the payload; undefined when absent */
  readonly pictureId: { readonly value: number; readonly long: boolean; readonly offset: number } | undefined;
  /** the temporal layer (T bit set), and Y (layer sync); undefined when absent */
  readonly tid: number | undefined;
  readonly sync: boolean;
}

/** Reads a VP8 payload descriptor; undefined when it is cut short. */
export function vp8Descriptor(p: Uint8Array): Vp8Descriptor | undefined {
  if (p.length < 1) return undefined;
  const start = (p[0] & 0x10) !== 0 && (p[0] & 0x07) === 0;
  if (!(p[0] & 0x80)) return { start, pictureId: undefined, tid: undefined, sync: false };
  if (p.length < 2) return undefined;
  const x = p[1]; // I|L|T|K
  let i = 2;
  let pictureId: Vp8Descriptor['pictureId'];
  if (x & 0x80) {
    if (i >= p.length) return undefined;
    const long = (p[i] & 0x80) !== 0;
    if (long && i + 1 >= p.length) return undefined;
    pictureId = { value: long ? ((p[i] & 0x7f) << 8) | p[i + 1] : p[i] & 0x7f, long, offset: i };
    i += long ? 2 : 1;
  }
  if (x & 0x40) i += 1; // TL0PICIDX
  let tid: number | undefined;
  let sync = false;
  if (x & 0x30) {
    if (i >= p.length) return undefined;
    if (x & 0x20) {
      tid = p[i] >> 6;
      sync = (p[i] & 0x20) !== 0;
    }
    i += 1;
  }
  return i <= p.length ? { start, pictureId, tid, sync } : undefined;
}

/** A target that leaves no temporal layer out. */
export const ALL_TIDS = 3;

/**
 * The temporal target of one subscriber: it moves down at any picture's start and up only at a
 * picture that needs nothing left out (temporal layer 0, or marked layer sync). Each picture left
 * out shifts the PictureIDs after it down by one.
 */
export class TemporalFilter {
  #want = ALL_TIDS;
  #max = ALL_TIDS;
  #pidOffset = 0;
  #lastDropped: number | undefined;

  /** The highest temporal layer wanted, 0-2, or {@link ALL_TIDS}. */
  set target(tid: number) {
    this.#want = tid;
  }

  /** How far later PictureIDs are shifted (the pictures left out so far). */
  get pidOffset(): number {
    return this.#pidOffset;
  }

  /** Whether the filter has anything to do (a target below all, or PictureIDs to shift). */
  get active(): boolean {
    return this.#want !== ALL_TIDS || this.#max !== ALL_TIDS || this.#pidOffset !== 0;
  }

  /** Whether a packet with this descriptor goes to the subscriber. */
  accept(d: Vp8Descriptor): boolean {
    if (d.tid === undefined) return true;
    if (d.start && this.#want !== this.#max && (this.#want < this.#max || d.tid === 0 || (d.sync && d.tid <= this.#want))) this.#max = this.#want;
    if (d.tid <= this.#max) return true;
    if (d.pictureId && d.pictureId.value !== this.#lastDropped) {
      this.#pidOffset++;
      this.#lastDropped = d.pictureId.value;
    }
    return false;
  }
}

/** Writes the descriptor's PictureID less `offset` into the payload, in its own width (0: as it came). */
export function writePictureId(payload: Uint8Array, d: Vp8Descriptor, offset: number): void {
  const pid = d.pictureId;
  if (!pid) return;
  if (pid.long) {
    const v = (pid.value - offset) & 0x7fff;
    payload[pid.offset] = 0x80 | (v >> 8);
    payload[pid.offset + 1] = v & 0xff;
  } else {
    payload[pid.offset] = (pid.value - offset) & 0x7f;
  }
}
