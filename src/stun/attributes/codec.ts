/**
 * The shape every attribute codec has (RFC 8489 §14: type, length, value, padding), and the
 * small helpers they share. The message decoder and encoder in the parent folder own the
 * type-length header and the padding; a codec sees only the value.
 */
import type { DecodeErrorReason } from '../types.ts';

/**
 * Why one attribute value could not be read. The message decoder turns it into a
 * `DecodeError` at the attribute's offset. A class, so a value can be told apart from a
 * fault with one `instanceof` and no wrapper object on the success path.
 */
export class AttributeFault {
  readonly reason: DecodeErrorReason;
  readonly detail: string;
  constructor(reason: DecodeErrorReason, detail: string) {
    this.reason = reason;
    this.detail = detail;
  }
}

/** Encodes and decodes the value of one attribute type (RFC 8489 §14). */
export interface AttributeCodec<T> {
  /** RFC name, for error texts: "XOR-MAPPED-ADDRESS". */
  readonly name: string;
  /**
   * Reads the value at `msg[offset, offset + length)`. `msg` is the whole message, header
   * included, because the XOR address forms need the transaction id. The caller has checked
   * that the value lies inside `msg`.
   */
  decode(msg: Uint8Array, offset: number, length: number): T | AttributeFault;
  /** Value length in bytes, before padding. Throws a RangeError if `value` cannot be encoded. */
  size(value: T): number;
  /**
   * Writes the value at `offset`. `out` already holds the message header (for the XOR forms)
   * and is zero-filled, so reserved bits and padding need no writing. May throw a RangeError.
   */
  write(out: Buffer, offset: number, value: T): void;
}

/** A plain `Uint8Array` view of `msg[offset, offset + length)`: no copy. */
export function view(msg: Uint8Array, offset: number, length: number): Uint8Array {
  return new Uint8Array(msg.buffer, msg.byteOffset + offset, length);
}

/** `n` rounded up to a multiple of 4: attribute values are padded to 4 bytes (RFC 8489 §14). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Big-endian unsigned 16-bit read. */
export function u16(msg: Uint8Array, offset: number): number {
  return (msg[offset] << 8) | msg[offset + 1];
}

/** Big-endian unsigned 32-bit read. */
export function u32(msg: Uint8Array, offset: number): number {
  return msg[offset] * 0x1000000 + ((msg[offset + 1] << 16) | (msg[offset + 2] << 8) | msg[offset + 3]);
}

/** The fault for a fixed-size attribute whose length is wrong. */
export function badLength(name: string, length: number, expected: string): AttributeFault {
  return new AttributeFault('attribute-bad-length', `${name} has length ${length}, expected ${expected}`);
}

/** Throws the RangeError that tells a caller its attribute value cannot be encoded. */
export function unencodable(name: string, detail: string): never {
  throw new RangeError(`cannot encode STUN attribute ${name}: ${detail}`);
}

/** Checks that `value` is an integer in [min, max] before it is written into a field. */
export function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    unencodable(name, `${String(value)} is not an integer in ${min}..${max}`);
  }
}

/** Checks that a byte-string value is a Uint8Array that fits a 16-bit attribute length. */
export function checkBytes(name: string, value: Uint8Array): number {
  if (!(value instanceof Uint8Array)) unencodable(name, 'value is not a Uint8Array');
  if (value.length > 0xffff) unencodable(name, `${value.length} bytes do not fit a 16-bit length`);
  return value.length;
}
