/**
 * SCTP over DTLS (RFC 8261) and WebRTC data channels (RFC 8831, RFC 8832), sans-IO: feed
 * packets and the time in, poll packets and the next deadline out.
 */
export { SctpAssociation, type AssociationState, type PublicState, type SctpOptions, type SctpCounters, type SendResult, type SendOptions } from './association.ts';
export { DataChannel, DataChannels, type DataChannelInit, type DataChannelState } from './data-channels.ts';
export { ChannelType, Ppid, decodeDcep, encodeDcep, type DcepMessage, type DataChannelOpen } from './dcep.ts';
export { ChunkType, decodeChunkValue, encodeChunk, type Chunk, type DataChunk, type InitChunk, type SackChunk } from './chunks.ts';
export { decodePacket, encodePacket, type SctpPacket } from './packet.ts';
export { crc32c } from './crc32c.ts';
