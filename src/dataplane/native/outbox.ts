/**
 * The answers the core sends while the native plane hands it a batch, gathered and sent in one
 * call at the end of the batch (one `sendmmsg` per socket instead of one system call and one
 * Node-API call each). Records, little-endian: u32 fd, u16 port, u8 family (4/6), u8 0,
 * u8[16] ip (IPv4 mapped), u32 length, then the bytes padded to 4 (native/src/addon.c reads
 * them).
 */
import { parseIpInto } from '../../net/ip-parse.ts';

const HEAD = 28;

/** A growing buffer of datagrams to send. */
export class Outbox {
  #buf = new Uint8Array(64 * 1024);
  #view = new DataView(this.#buf.buffer);
  #used = 0;
  #count = 0;

  /** Datagrams waiting. */
  get count(): number {
    return this.#count;
  }

  /** Adds a datagram; false when the address is not an IP literal (it is not added). */
  add(fd: number, ip: string, port: number, data: Uint8Array): boolean {
    const size = (HEAD + data.length + 3) & ~3;
    if (this.#used + size > this.#buf.length) this.#grow(this.#used + size);
    const o = this.#used;
    const family = parseIpInto(ip, this.#buf, o + 8);
    if (family === undefined) return false;
    if (family === 'IPv4') {
      // IPv4 as IPv4-mapped IPv6: the four bytes move to the end.
      this.#buf.copyWithin(o + 20, o + 8, o + 12);
      this.#buf.fill(0, o + 8, o + 18);
      this.#buf[o + 18] = 0xff;
      this.#buf[o + 19] = 0xff;
    }
    this.#view.setUint32(o, fd, true);
    this.#view.setUint16(o + 4, port, true);
    this.#buf[o + 6] = family === 'IPv6' ? 6 : 4;
    this.#buf[o + 7] = 0;
    this.#view.setUint32(o + 24, data.length, true);
    this.#buf.set(data, o + HEAD);
    this.#used += size;
    this.#count++;
    return true;
  }

  /** The records so far, and an empty outbox. */
  take(): Uint8Array {
    const out = this.#buf.subarray(0, this.#used);
    this.#used = 0;
    this.#count = 0;
    return out;
  }

  #grow(need: number): void {
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#used));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
}
