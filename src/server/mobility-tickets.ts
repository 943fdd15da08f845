/**
 * The MOBILITY-TICKET sealer the TURN core is given (RFC 8016 §3.3: the ticket is opaque to
 * the client, and only the server that issued it can read it). A ticket is the body followed by
 * the first 16 bytes of HMAC-SHA-256 over it under a random per-process secret, in base64url:
 * 24 bytes become 32 printable characters, which coturn's `turnutils_uclient -M` can keep (it
 * stores the ticket as a C string of at most 32 characters). Tickets die with the process,
 * as its allocations do.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TicketSealer } from '../turn/mobility-ticket.ts';

/** Bytes of the MAC kept in a ticket. */
const TAG_BYTES = 16;

/** A sealer under `secret` (32 random bytes unless given, e.g. by a test). */
export function createTicketSealer(secret: Uint8Array = randomBytes(32)): TicketSealer {
  const tag = (body: Uint8Array): Buffer => createHmac('sha256', secret).update(body).digest().subarray(0, TAG_BYTES);
  return {
    seal(body) {
      return Buffer.from(Buffer.concat([body, tag(body)]).toString('base64url'), 'latin1');
    },
    open(ticket) {
      const text = Buffer.from(ticket).toString('latin1');
      if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
      const raw = Buffer.from(text, 'base64url');
      if (raw.length <= TAG_BYTES) return undefined;
      const body = raw.subarray(0, raw.length - TAG_BYTES);
      return timingSafeEqual(raw.subarray(raw.length - TAG_BYTES), tag(body)) ? Uint8Array.from(body) : undefined;
    },
  };
}
