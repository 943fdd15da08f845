/**
 * A reference SRTP and SRTCP (RFC 3711 with AES-CM and HMAC-SHA1, RFC 7714 with AES-GCM) on
 * node:crypto, with the packets and arbitraries the native SRTP tests (srtp.test.ts) feed both.
 * Written from the RFCs, not from the C: the tests check one against the other.
 */
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import fc from 'fast-check';

/* srtp.h */
export const CM_80 = 1;
export const CM_32 = 2;
export const GCM_128 = 7;
export const GCM_256 = 8;
export const PROFILES = [CM_80, CM_32, GCM_128, GCM_256];
export const ERR_MALFORMED = -1;
export const ERR_AUTH = -2;
export const ERR_REPLAY = -3;
export const ERR_STREAMS = -4;
export const MAX_STREAMS = 64;

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
export const isGcm = (p: number): boolean => p === GCM_128 || p === GCM_256;
export const keyLen = (p: number): number => (p === GCM_256 ? 32 : 16);
export const saltLen = (p: number): number => (isGcm(p) ? 12 : 14);
export const rtpTagLen = (p: number): number => (isGcm(p) ? 16 : p === CM_32 ? 4 : 10);

// --- the reference, on node:crypto --------------------------------------------------------

export interface Keys { key: Buffer; salt: Buffer; auth: Buffer }
export interface SessionKeys { profile: number; rtp: Keys; rtcp: Keys }

export function ctr(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const c = createCipheriv(key.length === 32 ? 'aes-256-ctr' : 'aes-128-ctr', key, iv);
  return Buffer.concat([c.update(data), c.final()]);
}

/** RFC 3711 §4.3.1 with key_derivation_rate 0; a 96-bit salt padded with zeros to 112. */
export function prf(masterKey: Buffer, masterSalt: Buffer, label: number, n: number): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv);
  iv[7]! ^= label;
  return ctr(masterKey, iv, Buffer.alloc(n));
}

export function derive(profile: number, masterKey: Buffer, masterSalt: Buffer): SessionKeys {
  const k = (base: number): Keys => ({
    key: prf(masterKey, masterSalt, base, keyLen(profile)),
    auth: prf(masterKey, masterSalt, base + 1, 20),
    salt: prf(masterKey, masterSalt, base + 2, saltLen(profile)),
  });
  return { profile, rtp: k(0), rtcp: k(3) };
}

export function rtpHeaderLen(p: Buffer): number {
  let n = 12 + 4 * (p[0]! & 0x0f);
  if (p[0]! & 0x10) n += 4 + 4 * p.readUInt16BE(n + 2);
  return n;
}

export function cmIv(salt: Buffer, ssrc: number, index: bigint): Buffer {
  const iv = Buffer.alloc(16);
  salt.copy(iv);
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  const i = Buffer.alloc(8);
  i.writeBigUInt64BE(index << 16n);
  for (let b = 0; b < 8; b++) iv[8 + b]! ^= i[b]!;
  return iv;
}

export function gcmIv(salt: Buffer, ssrc: number, high: number, low: number, rtcp: boolean): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(ssrc, 2);
  if (rtcp) iv.writeUInt32BE(low, 8);
  else {
    iv.writeUInt32BE(high, 6);
    iv.writeUInt16BE(low, 10);
  }
  for (let b = 0; b < 12; b++) iv[b]! ^= salt[b]!;
  return iv;
}

export const gcmName = (key: Buffer): 'aes-128-gcm' | 'aes-256-gcm' => (key.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm');

export function gcmSeal(key: Buffer, iv: Buffer, aad: Buffer, plain: Buffer): Buffer {
  const c = createCipheriv(gcmName(key), key, iv);
  c.setAAD(aad);
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

export function gcmOpen(key: Buffer, iv: Buffer, aad: Buffer, sealed: Buffer): Buffer | null {
  const d = createDecipheriv(gcmName(key), key, iv);
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
  } catch {
    return null;
  }
}

export const hmac = (key: Buffer, ...parts: Buffer[]): Buffer => parts.reduce((h, p) => h.update(p), createHmac('sha1', key)).digest();
export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

export function refProtectRtp(s: SessionKeys, packet: Buffer, roc: number): Buffer {
  const h = rtpHeaderLen(packet);
  const ssrc = packet.readUInt32BE(8);
  const seq = packet.readUInt16BE(2);
  const { key, salt, auth } = s.rtp;
  if (isGcm(s.profile)) return Buffer.concat([packet.subarray(0, h), gcmSeal(key, gcmIv(salt, ssrc, roc, seq, false), packet.subarray(0, h), packet.subarray(h))]);
  const body = Buffer.concat([packet.subarray(0, h), ctr(key, cmIv(salt, ssrc, (BigInt(roc) << 16n) | BigInt(seq)), packet.subarray(h))]);
  return Buffer.concat([body, hmac(auth, body, u32(roc)).subarray(0, rtpTagLen(s.profile))]);
}

export function refUnprotectRtp(s: SessionKeys, packet: Buffer, roc: number): Buffer | null {
  const t = rtpTagLen(s.profile);
  const body = packet.subarray(0, packet.length - t);
  const h = rtpHeaderLen(body);
  const ssrc = packet.readUInt32BE(8);
  const seq = packet.readUInt16BE(2);
  const { key, salt, auth } = s.rtp;
  if (isGcm(s.profile)) {
    const plain = gcmOpen(key, gcmIv(salt, ssrc, roc, seq, false), packet.subarray(0, h), packet.subarray(h));
    return plain && Buffer.concat([packet.subarray(0, h), plain]);
  }
  if (!timingSafeEqual(hmac(auth, body, u32(roc)).subarray(0, t), packet.subarray(body.length))) return null;
  return Buffer.concat([body.subarray(0, h), ctr(key, cmIv(salt, ssrc, (BigInt(roc) << 16n) | BigInt(seq)), body.subarray(h))]);
}

/** RFC 3711 §3.4 / RFC 7714 §9: encrypt false sends E = 0. */
export function refProtectRtcp(s: SessionKeys, packet: Buffer, index: number, encrypt = true): Buffer {
  const ssrc = packet.readUInt32BE(4);
  const word = u32((encrypt ? 0x80000000 : 0) | index);
  const { key, salt, auth } = s.rtcp;
  if (isGcm(s.profile)) {
    const iv = gcmIv(salt, ssrc, 0, index, true);
    const sealed = encrypt
      ? gcmSeal(key, iv, Buffer.concat([packet.subarray(0, 8), word]), packet.subarray(8))
      : Buffer.concat([packet.subarray(8), gcmSeal(key, iv, Buffer.concat([packet, word]), Buffer.alloc(0))]);
    return Buffer.concat([packet.subarray(0, 8), sealed, word]);
  }
  const payload = encrypt ? ctr(key, cmIv(salt, ssrc, BigInt(index)), packet.subarray(8)) : packet.subarray(8);
  const body = Buffer.concat([packet.subarray(0, 8), payload, word]);
  return Buffer.concat([body, hmac(auth, body).subarray(0, 10)]);
}

export function refUnprotectRtcp(s: SessionKeys, packet: Buffer): { plain: Buffer; index: number; encrypted: boolean } | null {
  const gcm = isGcm(s.profile);
  const n = packet.length - 4 - (gcm ? 16 : 10);
  const w = packet.readUInt32BE(gcm ? packet.length - 4 : n);
  const index = w & 0x7fffffff;
  const encrypted = (w & 0x80000000) !== 0;
  const ssrc = packet.readUInt32BE(4);
  const { key, salt, auth } = s.rtcp;
  if (gcm) {
    const iv = gcmIv(salt, ssrc, 0, index, true);
    const word = packet.subarray(packet.length - 4);
    const aadEnd = encrypted ? 8 : n;
    const plain = gcmOpen(key, iv, Buffer.concat([packet.subarray(0, aadEnd), word]), packet.subarray(aadEnd, packet.length - 4));
    return plain && { plain: Buffer.concat([packet.subarray(0, aadEnd), plain]), index, encrypted };
  }
  if (!timingSafeEqual(hmac(auth, packet.subarray(0, n + 4)).subarray(0, 10), packet.subarray(n + 4))) return null;
  const payload = encrypted ? ctr(key, cmIv(salt, ssrc, BigInt(index)), packet.subarray(8, n)) : packet.subarray(8, n);
  return { plain: Buffer.concat([packet.subarray(0, 8), payload]), index, encrypted };
}

// --- packets ------------------------------------------------------------------------------

export interface RtpShape { ssrc: number; csrcs: number[]; extension: Buffer | null; payload: Buffer; padding: number; pt: number; marker: boolean }

/** An RTP packet (RFC 3550 §5.1); a padded one ends with its padding count, inside the payload. */
export function rtp(shape: RtpShape, seq: number, timestamp = 0): Buffer {
  const head = Buffer.alloc(12 + 4 * shape.csrcs.length);
  head[0] = 0x80 | (shape.padding ? 0x20 : 0) | (shape.extension ? 0x10 : 0) | shape.csrcs.length;
  head[1] = (shape.marker ? 0x80 : 0) | shape.pt;
  head.writeUInt16BE(seq & 0xffff, 2);
  head.writeUInt32BE(timestamp >>> 0, 4);
  head.writeUInt32BE(shape.ssrc >>> 0, 8);
  shape.csrcs.forEach((c, i) => head.writeUInt32BE(c >>> 0, 12 + 4 * i));
  const ext = shape.extension ? Buffer.concat([Buffer.from([0xbe, 0xde, 0, shape.extension.length / 4]), shape.extension]) : Buffer.alloc(0);
  const pad = shape.padding ? Buffer.concat([Buffer.alloc(shape.padding - 1), Buffer.from([shape.padding])]) : Buffer.alloc(0);
  return Buffer.concat([head, ext, shape.payload, pad]);
}

export const shapeArb: fc.Arbitrary<RtpShape> = fc.record({
  ssrc: fc.integer({ min: 0, max: 0xffffffff }),
  csrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
  extension: fc.option(fc.integer({ min: 0, max: 8 }).chain((words) => fc.uint8Array({ minLength: 4 * words, maxLength: 4 * words }).map((b) => Buffer.from(b))), { nil: null }),
  payload: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  padding: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 })),
  pt: fc.integer({ min: 0, max: 127 }),
  marker: fc.boolean(),
});

/** A first sequence number, often just below the 65535 → 0 rollover. */
export const startArb = fc.oneof(fc.integer({ min: 65520, max: 65535 }), fc.integer({ min: 0, max: 65535 }));

/** A compound RTCP packet (RFC 3550 §6.1): a sender report then an SDES CNAME. */
export function compound(ssrc: number, extra = 0): Buffer {
  const sr = Buffer.alloc(28);
  sr.writeUInt16BE(0x80c8, 0);
  sr.writeUInt16BE(6, 2);
  sr.writeUInt32BE(ssrc >>> 0, 4);
  sr.writeUInt32BE(0xe8f5a3b1, 8);
  sr.writeUInt32BE(extra >>> 0, 20);
  const cname = Buffer.from('turnpike');
  const sdes = Buffer.alloc(4 + 4 + 2 + cname.length + 2);
  sdes.writeUInt16BE(0x81ca, 0);
  sdes.writeUInt16BE(sdes.length / 4 - 1, 2);
  sdes.writeUInt32BE(ssrc >>> 0, 4);
  sdes[8] = 1;
  sdes[9] = cname.length;
  cname.copy(sdes, 10);
  return Buffer.concat([sr, sdes]);
}
