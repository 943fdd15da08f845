/**
 * The State Cookie carried in INIT-ACK and echoed in COOKIE-ECHO (RFC 9260 §5.1.3, §5.1.5):
 * everything needed to build the association, signed with HMAC-SHA256 under a secret of the
 * association, stamped with a creation time and a lifetime.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Decoded } from './params.ts';

/** What the cookie remembers of the INIT it answers, and of our own side. */
export interface CookieContents {
  createdAtMs: number;
  /** Our tag: the Initiate Tag of the INIT-ACK that carried the cookie. */
  localTag: number;
  /** The peer's Initiate Tag from its INIT. */
  peerTag: number;
  localInitialTsn: number;
  peerInitialTsn: number;
  peerArwnd: number;
  peerOutboundStreams: number;
  peerInboundStreams: number;
  /** Tie-Tags (RFC 9260 §5.2.2): the tags of an existing association, or zero. */
  localTieTag: number;
  peerTieTag: number;
  peerForwardTsn: boolean;
  peerReconfig: boolean;
}

const BODY = 46;
const MAC = 32;
/** Size of every cookie this code makes. */
export const COOKIE_SIZE = BODY + MAC;

const mac = (secret: Uint8Array, body: Uint8Array): Uint8Array => new Uint8Array(createHmac('sha256', secret).update(body).digest());

export function makeCookie(c: CookieContents, secret: Uint8Array): Uint8Array {
  const out = new Uint8Array(COOKIE_SIZE);
  const dv = new DataView(out.buffer);
  dv.setUint8(0, 1);
  dv.setFloat64(1, c.createdAtMs);
  dv.setUint32(9, c.localTag);
  dv.setUint32(13, c.peerTag);
  dv.setUint32(17, c.localInitialTsn);
  dv.setUint32(21, c.peerInitialTsn);
  dv.setUint32(25, c.peerArwnd);
  dv.setUint16(29, c.peerOutboundStreams);
  dv.setUint16(31, c.peerInboundStreams);
  dv.setUint32(33, c.localTieTag);
  dv.setUint32(37, c.peerTieTag);
  dv.setUint8(41, (c.peerForwardTsn ? 1 : 0) | (c.peerReconfig ? 2 : 0));
  // bytes 42–45 reserved
  out.set(mac(secret, out.subarray(0, BODY)), BODY);
  return out;
}

/**
 * Checks the signature (RFC 9260 §5.1.5 steps 1–2) and reports whether the lifetime has run
 * out (step 3); the caller decides, as a stale cookie for an association whose tags all
 * match is only a late retransmission (§5.2.4 case D).
 */
export function openCookie(bytes: Uint8Array, secret: Uint8Array, nowMs: number, lifetimeMs: number): Decoded<CookieContents & { stalenessMs: number }> {
  if (bytes.length !== COOKIE_SIZE || bytes[0] !== 1) return { ok: false, reason: 'not our cookie' };
  const expected = mac(secret, bytes.subarray(0, BODY));
  if (!timingSafeEqual(expected, bytes.subarray(BODY))) return { ok: false, reason: 'cookie signature' };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const createdAtMs = dv.getFloat64(1);
  const flags = dv.getUint8(41);
  return {
    ok: true,
    value: {
      createdAtMs,
      stalenessMs: Math.max(0, nowMs - createdAtMs - lifetimeMs),
      localTag: dv.getUint32(9),
      peerTag: dv.getUint32(13),
      localInitialTsn: dv.getUint32(17),
      peerInitialTsn: dv.getUint32(21),
      peerArwnd: dv.getUint32(25),
      peerOutboundStreams: dv.getUint16(29),
      peerInboundStreams: dv.getUint16(31),
      localTieTag: dv.getUint32(33),
      peerTieTag: dv.getUint32(37),
      peerForwardTsn: (flags & 1) !== 0,
      peerReconfig: (flags & 2) !== 0,
    },
  };
}
