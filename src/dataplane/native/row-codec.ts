/**
 * A forwarding-table row as the bytes the native plane reads (native/src/entry.h gives the
 * layout): little-endian, fixed-size records, IPv4 as an IPv4-mapped IPv6 address.
 */
import { parseIpInto } from '../../net/ip-parse.ts';
import type { ForwardingEntry } from '../../turn/forwarding.ts';

const MAGIC = 0x31455054; // "TPE1"
const HEAD = 64;
const ITEM = 32;

/** The 16-byte form of an IP literal (IPv4 mapped into IPv6), and its family as 4 or 6. */
function ip16(text: string): { family: 4 | 6; bytes: Uint8Array } {
  const out = new Uint8Array(16);
  const family = parseIpInto(text, out, 0);
  if (family === undefined) throw new RangeError(`not an IP address: ${text}`);
  if (family === 'IPv6') return { family: 6, bytes: out };
  out.copyWithin(12, 0, 4);
  out.fill(0, 0, 10);
  out[10] = 0xff;
  out[11] = 0xff;
  return { family: 4, bytes: out };
}

/** Encodes a row for the worker `relayIds` name the relay sockets of (native relay ids, 0 for none). */
export function encodeRow(entry: ForwardingEntry, listenerId: number, relayIds: readonly number[]): Uint8Array {
  const out = new Uint8Array(HEAD + (entry.permissions.length + entry.channels.length) * ITEM);
  const v = new DataView(out.buffer);
  const client = ip16(entry.clientIp);
  v.setUint32(0, MAGIC, true);
  v.setUint32(4, entry.id, true);
  v.setUint32(8, listenerId, true);
  v.setUint16(12, entry.clientPort, true);
  out[14] = client.family;
  out[15] = entry.fingerprint ? 1 : 0;
  out.set(client.bytes, 16);
  v.setFloat64(32, entry.expiresAt, true);
  v.setFloat64(40, entry.maxBps, true);
  for (let i = 0; i < 2; i++) {
    const relay = entry.relays[i];
    v.setUint32(48 + i * 4, relay === undefined ? 0 : relayIds[i], true);
    out[56 + i] = relay === undefined ? 0 : relay.family === 'IPv6' ? 6 : 4;
  }
  v.setUint16(58, entry.permissions.length, true);
  v.setUint16(60, entry.channels.length, true);
  let o = HEAD;
  for (const p of entry.permissions) {
    const ip = ip16(p.ip);
    out[o] = ip.family;
    out.set(ip.bytes, o + 8);
    v.setFloat64(o + 24, p.expiresAt, true);
    o += ITEM;
  }
  for (const c of entry.channels) {
    const ip = ip16(c.peerIp);
    v.setUint16(o, c.number, true);
    v.setUint16(o + 2, c.peerPort, true);
    out[o + 4] = ip.family;
    out.set(ip.bytes, o + 8);
    v.setFloat64(o + 24, c.expiresAt, true);
    o += ITEM;
  }
  return out;
}
