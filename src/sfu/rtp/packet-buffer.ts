/**
 * The per-track packet history that answers NACKs (RFC 4585 §6.2.1): the last `capacity`
 * packets by sequence number, in one preallocated slab so the forwarding path allocates nothing.
 * ion-sfu sizes it with `[router] maxpackettrack` (video) and 25 packets for audio.
 */
import { seqDelta } from './munger.ts';

/** Largest packet kept; longer ones are not stored (they cannot be retransmitted). */
export const MAX_PACKET_BYTES = 1500;

/** The last packets of one stream, by sequence number, for retransmission (RFC 4585 §6.2.1). */
export class PacketBuffer {
  readonly #slab: Uint8Array;
  readonly #lengths: Uint16Array;
  readonly #seqs: Int32Array;
  readonly #mask: number;
  #highest = -1;

  constructor(capacity: number) {
    let size = 1;
    while (size < Math.max(1, capacity)) size <<= 1;
    this.#mask = size - 1;
    this.#slab = new Uint8Array(size * MAX_PACKET_BYTES);
    this.#lengths = new Uint16Array(size);
    this.#seqs = new Int32Array(size).fill(-1);
  }

  /** Slots (a power of two ≥ the requested capacity). */
  get capacity(): number {
    return this.#mask + 1;
  }

  /** Copies a packet in; false when it is too big to keep or far older than what is held. */
  put(seq: number, packet: Uint8Array): boolean {
    if (packet.length > MAX_PACKET_BYTES) return false;
    if (this.#highest >= 0 && seqDelta(this.#highest, seq) <= -this.capacity) return false;
    if (this.#highest < 0 || seqDelta(this.#highest, seq) > 0) this.#highest = seq;
    const i = seq & this.#mask;
    this.#slab.set(packet, i * MAX_PACKET_BYTES);
    this.#lengths[i] = packet.length;
    this.#seqs[i] = seq;
    return true;
  }

  /** The stored packet (a view into the slab: copy before changing it), or undefined. */
  get(seq: number): Uint8Array | undefined {
    const i = seq & this.#mask;
    if (this.#seqs[i] !== seq) return undefined;
    const start = i * MAX_PACKET_BYTES;
    return this.#slab.subarray(start, start + this.#lengths[i]);
  }
}
