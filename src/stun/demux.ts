/**
 * Telling apart the protocols that share one port by the first byte of a packet (RFC 7983
 * §7, updated by RFC 9443 §3 for QUIC): 0–3 STUN, 16–19 ZRTP, 20–63 DTLS, 64–79 TURN
 * ChannelData, 80–127 QUIC, 128–191 RTP/RTCP, 192–255 QUIC.
 */

/** What a packet is, judged by its first byte (RFC 7983 §7, RFC 9443 §3). */
export const PACKET_KINDS = ['stun', 'zrtp', 'dtls', 'channel-data', 'rtp-rtcp', 'quic', 'unknown'] as const;
export type PacketKind = (typeof PACKET_KINDS)[number];

/**
 * Classifies a packet by its first byte (RFC 7983 §7, RFC 9443 §3). Only the first byte is
 * read: a 'stun' answer still needs `decodeMessage` to be trusted. Empty input and the
 * unassigned values 4–15 are 'unknown'.
 */
export function classifyPacket(buf: Uint8Array): PacketKind {
  if (buf.length === 0) return 'unknown';
  const b = buf[0];
  if (b <= 3) return 'stun';
  if (b < 16) return 'unknown';
  if (b <= 19) return 'zrtp';
  if (b <= 63) return 'dtls';
  if (b <= 79) return 'channel-data';
  if (b <= 127) return 'quic';
  if (b <= 191) return 'rtp-rtcp';
  return 'quic';
}
