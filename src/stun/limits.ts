/**
 * How big a message may be on each transport, so the relay path can check a size before it
 * encodes (RFC 8656 §11.3, §12.4): a peer may send a datagram that no Data indication or
 * ChannelData message toward the client can carry, and that is dropped, not thrown on.
 */
import type { AddressFamily } from './types.ts';

/** RFC 768 over RFC 791: 65,535 bytes of IPv4 datagram less 20 of IP header and 8 of UDP header. */
export const MAX_UDP_PAYLOAD_IPV4 = 65_507;
/** RFC 768 over RFC 8200: 65,535 bytes of IPv6 payload less 8 of UDP header (no jumbograms). */
export const MAX_UDP_PAYLOAD_IPV6 = 65_527;
/** RFC 8489 §5: a 20-byte header and a 16-bit length of attributes. */
export const MAX_STUN_MESSAGE = 20 + 0xffff;
/** RFC 8656 §12.4: a 4-byte header and a 16-bit length of data, padded to 4 over streams (§12.5). */
export const MAX_CHANNEL_DATA_MESSAGE = 4 + 0xffff + 1;

/** The largest UDP payload a socket of this family can send. */
export function maxUdpPayload(family: AddressFamily): number {
  return family === 'IPv6' ? MAX_UDP_PAYLOAD_IPV6 : MAX_UDP_PAYLOAD_IPV4;
}

/**
 * The largest message a client transport can carry to `clientIp`: a datagram's payload over
 * UDP and DTLS, a whole STUN or ChannelData frame over TCP and TLS.
 */
export function maxClientMessage(protocol: 'udp' | 'tcp' | 'tls' | 'dtls', clientIp: string): number {
  if (protocol === 'tcp' || protocol === 'tls') return MAX_STUN_MESSAGE;
  return clientIp.includes(':') ? MAX_UDP_PAYLOAD_IPV6 : MAX_UDP_PAYLOAD_IPV4;
}

/**
 * The bytes of a Data indication (RFC 8656 §11.4) carrying `dataLength` bytes from a peer of
 * `family`: header, XOR-PEER-ADDRESS, DATA padded to 4, and FINGERPRINT when asked.
 */
export function dataIndicationLength(family: AddressFamily, dataLength: number, fingerprint: boolean): number {
  const peer = 4 + (family === 'IPv6' ? 20 : 8);
  const data = 4 + ((dataLength + 3) & ~3);
  return 20 + peer + data + (fingerprint ? 8 : 0);
}

/** Whether a Data indication of that many bytes fits STUN's 16-bit length field (RFC 8489 §5). */
export function fitsStunLength(messageLength: number): boolean {
  return messageLength - 20 <= 0xffff;
}

/** The bytes of a ChannelData message (RFC 8656 §12.4) of `dataLength`, padded to 4 over streams (§12.5). */
export function channelDataLength(dataLength: number, padded: boolean): number {
  const n = 4 + dataLength;
  return padded ? (n + 3) & ~3 : n;
}
