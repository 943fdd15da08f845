/**
 * Transport addresses as text for logs, keys and command output. The address part is already
 * canonical: STUN decoding writes it with the one formatter, `formatIp` (`net/ip-format.ts`).
 */
import type { TransportAddress } from './types.ts';

/**
 * Text of a transport address: "192.0.2.1:3478", or "[2001:db8::1]:3478" with the brackets
 * RFC 5952 §6 recommends so the port cannot be read as a last group.
 */
export function formatAddress(a: TransportAddress): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
