/**
 * CRC32c (Castagnoli, reflected polynomial 0x82F63B78), the checksum of the SCTP common header
 * (RFC 9260 §6.8 and Appendix A). Table driven, one byte per step.
 */

const TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC32c of `bytes[start, end)`, as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * CRC32c of an SCTP packet with its checksum field (bytes 8–11) taken as zero, without
 * copying the packet (RFC 9260 §6.8).
 */
export function sctpChecksum(packet: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < packet.length; i++) {
    const b = i >= 8 && i < 12 ? 0 : packet[i];
    c = TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Writes the checksum into bytes 8–11, least significant byte first (RFC 9260 Appendix A). */
export function writeSctpChecksum(packet: Uint8Array): void {
  const c = sctpChecksum(packet);
  packet[8] = c & 0xff;
  packet[9] = (c >>> 8) & 0xff;
  packet[10] = (c >>> 16) & 0xff;
  packet[11] = (c >>> 24) & 0xff;
}

/** True when bytes 8–11 hold the packet's CRC32c. */
export function verifySctpChecksum(packet: Uint8Array): boolean {
  if (packet.length < 12) return false;
  const stored = (packet[8] | (packet[9] << 8) | (packet[10] << 16) | (packet[11] << 24)) >>> 0;
  return stored === sctpChecksum(packet);
}
