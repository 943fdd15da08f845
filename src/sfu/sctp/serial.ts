/**
 * Serial number arithmetic (RFC 1982) for 32-bit TSNs and 16-bit stream sequence numbers,
 * as RFC 9260 §1.6 prescribes for comparing them across wrap-around.
 */

/** a < b for 32-bit serial numbers. */
export const tsnLt = (a: number, b: number): boolean => a !== b && ((b - a) >>> 0) < 0x80000000;
/** a <= b for 32-bit serial numbers. */
export const tsnLte = (a: number, b: number): boolean => a === b || tsnLt(a, b);
/** a + n, wrapped to 32 bits. */
export const tsnAdd = (a: number, n: number): number => (a + n) >>> 0;
/** b - a as an unsigned 32-bit distance. */
export const tsnDiff = (a: number, b: number): number => (b - a) >>> 0;

/** a < b for 16-bit serial numbers. */
export const ssnLt = (a: number, b: number): boolean => a !== b && ((b - a) & 0xffff) < 0x8000;
/** a <= b for 16-bit serial numbers. */
export const ssnLte = (a: number, b: number): boolean => a === b || ssnLt(a, b);
/** a + 1, wrapped to 16 bits. */
export const ssnNext = (a: number): number => (a + 1) & 0xffff;
