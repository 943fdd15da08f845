/**
 * The STUN codec (RFC 8489) with its TURN (RFC 8656, RFC 6062) and ICE (RFC 8445)
 * attributes: pure functions from bytes to typed messages and back, no I/O, no clocks, no
 * randomness. Everything outside `src/stun/` imports from here.
 */
export * from './types.ts';
export { decodeMessage } from './decode.ts';
export { encodeMessage, type EncodeOptions } from './encode.ts';
export { verifyMessageIntegrity, verifyMessageIntegritySha256 } from './integrity.ts';
export { getAttribute, getAttributes, unknownComprehensionRequired } from './attribute-access.ts';
export { isStunHeader } from './header.ts';
export {
  decodeChannelData,
  encodeChannelData,
  MIN_CHANNEL_NUMBER,
  MAX_CHANNEL_NUMBER,
  RFC5766_MAX_CHANNEL_NUMBER,
  CHANNEL_DATA_HEADER_LENGTH,
} from './channel-data.ts';
export { streamFrameLength } from './stream-framing.ts';
export { classifyPacket, PACKET_KINDS, type PacketKind } from './demux.ts';
export { reasonPhrase } from './reason-phrases.ts';
export { formatAddress } from './ip.ts';
export { canonicalIp } from '../net/ip-format.ts';
export { FINGERPRINT_XOR } from './fingerprint.ts';
export {
  MAX_UDP_PAYLOAD_IPV4,
  MAX_UDP_PAYLOAD_IPV6,
  MAX_STUN_MESSAGE,
  maxUdpPayload,
  maxClientMessage,
  dataIndicationLength,
  fitsStunLength,
  channelDataLength,
} from './limits.ts';
