/**
 * The 20-byte STUN header (RFC 8489 §5): two zero bits, the 14-bit message type that
 * interleaves a 12-bit method with a 2-bit class, the 16-bit body length, the magic cookie
 * and the 96-bit transaction id.
 */
import { HEADER_LENGTH, MAGIC_COOKIE, type MessageClass } from './types.ts';

/** RFC 8489 §5: the message type field, M11..M7 C1 M6..M4 C0 M3..M0. */
export function encodeMessageType(method: number, cls: MessageClass): number {
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((cls & 1) << 4) | ((cls & 2) << 7);
}

/** RFC 8489 §5: the method bits of a message type field. */
export function methodOf(type: number): number {
  return (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
}

/** RFC 8489 §5: the class bits of a message type field. */
export function classOf(type: number): MessageClass {
  return (((type >> 4) & 1) | ((type >> 7) & 2)) as MessageClass;
}

/**
 * A cheap test for "this datagram starts like a STUN message" (RFC 8489 §5, RFC 7983 §7):
 * at least 20 bytes, the top two bits zero and the magic cookie in place. No full decode.
 */
export function isStunHeader(buf: Uint8Array): boolean {
  return (
    buf.length >= HEADER_LENGTH &&
    (buf[0] & 0xc0) === 0 &&
    buf[4] === MAGIC_COOKIE >>> 24 &&
    buf[5] === ((MAGIC_COOKIE >>> 16) & 0xff) &&
    buf[6] === ((MAGIC_COOKIE >>> 8) & 0xff) &&
    buf[7] === (MAGIC_COOKIE & 0xff)
  );
}
