/**
 * Data Channel Establishment Protocol messages (RFC 8832 §5), carried with PPID 50, and the
 * PPIDs of data channel messages (RFC 8831 §8). Pure codec; errors are values.
 */
import type { Decoded } from './params.ts';

/** Payload Protocol Identifiers (RFC 8831 §8, RFC 8832 §8.1). */
export const Ppid = {
  dcep: 50,
  string: 51,
  /** Deprecated partial string (accepted, never sent). */
  stringPartial: 52,
  binary: 53,
  /** Deprecated partial binary (accepted, never sent). */
  binaryPartial: 54,
  stringEmpty: 56,
  binaryEmpty: 57,
} as const;

/** Channel Type values (RFC 8832 §5.1). */
export const ChannelType = {
  reliable: 0x00,
  reliableUnordered: 0x80,
  partialRexmit: 0x01,
  partialRexmitUnordered: 0x81,
  partialTimed: 0x02,
  partialTimedUnordered: 0x82,
} as const;

export interface DataChannelOpen {
  type: 'open';
  channelType: number;
  priority: number;
  /** Retransmissions or lifetime in ms, by channel type; 0 for reliable channels. */
  reliability: number;
  label: string;
  protocol: string;
}

export type DcepMessage = DataChannelOpen | { type: 'ack' };

const KNOWN_TYPES: readonly number[] = Object.values(ChannelType);

export function encodeDcep(m: DcepMessage): Uint8Array {
  if (m.type === 'ack') return Uint8Array.of(0x02);
  const label = new TextEncoder().encode(m.label);
  const protocol = new TextEncoder().encode(m.protocol);
  const out = new Uint8Array(12 + label.length + protocol.length);
  const dv = new DataView(out.buffer);
  dv.setUint8(0, 0x03);
  dv.setUint8(1, m.channelType);
  dv.setUint16(2, m.priority);
  dv.setUint32(4, m.reliability >>> 0);
  dv.setUint16(8, label.length);
  dv.setUint16(10, protocol.length);
  out.set(label, 12);
  out.set(protocol, 12 + label.length);
  return out;
}

export function decodeDcep(b: Uint8Array): Decoded<DcepMessage> {
  if (b.length === 0) return { ok: false, reason: 'empty DCEP message' };
  if (b[0] === 0x02) return b.length === 1 ? { ok: true, value: { type: 'ack' } } : { ok: false, reason: 'DATA_CHANNEL_ACK length' };
  if (b[0] !== 0x03) return { ok: false, reason: `unknown DCEP message type ${b[0]}` };
  if (b.length < 12) return { ok: false, reason: 'DATA_CHANNEL_OPEN too short' };
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const labelLen = dv.getUint16(8);
  const protocolLen = dv.getUint16(10);
  if (b.length !== 12 + labelLen + protocolLen) return { ok: false, reason: 'DATA_CHANNEL_OPEN lengths' };
  const channelType = dv.getUint8(1);
  if (!KNOWN_TYPES.includes(channelType)) return { ok: false, reason: `unknown channel type ${channelType}` };
  const dec = new TextDecoder('utf-8', { fatal: false });
  return {
    ok: true,
    value: {
      type: 'open',
      channelType,
      priority: dv.getUint16(2),
      reliability: dv.getUint32(4),
      label: dec.decode(b.subarray(12, 12 + labelLen)),
      protocol: dec.decode(b.subarray(12 + labelLen)),
    },
  };
}
