import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two byte strings in time that depends only on their length, for MESSAGE-INTEGRITY
 * values, keys and nonce MACs (RFC 8489 §9.2.4, §16). Different lengths give `false`
 * instead of the exception `crypto.timingSafeEqual` would throw.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return timingSafeEqual(a, b);
}
