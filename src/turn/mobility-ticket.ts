/**
 * RFC 8016 §3.3 MOBILITY-TICKET: what a ticket says and how the core asks for one to be sealed
 * and opened. The ticket names an allocation and its mobility generation; the generation goes
 * up each time the allocation moves, so a ticket is good for one move only and a replayed or
 * stale one names a generation that is gone. Sealing (a MAC under a server secret) is injected,
 * as randomness is: the core holds no key and does no cryptography itself.
 */

/** Seals a ticket body so that no one without the server's secret can forge or alter one. */
export interface TicketSealer {
  /** The opaque ticket bytes for `body` (printable ASCII, at most 32 bytes: coturn's clients keep it as a C string). */
  seal(body: Uint8Array): Uint8Array;
  /** The body of a ticket this server sealed, or undefined for anything else. */
  open(ticket: Uint8Array): Uint8Array | undefined;
}

/** What a ticket names. */
export interface TicketBody {
  allocationId: number;
  /** the allocation's mobility generation when the ticket was issued */
  generation: number;
}

/** Bytes in an encoded body: allocation id and generation, 32 bits each, network order. */
export const TICKET_BODY_BYTES = 8;

/** The body as bytes, to be sealed. */
export function encodeTicketBody(body: TicketBody): Uint8Array {
  const out = new Uint8Array(TICKET_BODY_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.allocationId >>> 0);
  view.setUint32(4, body.generation >>> 0);
  return out;
}

/** The body of opened ticket bytes, or undefined when they are not one. */
export function decodeTicketBody(bytes: Uint8Array): TicketBody | undefined {
  if (bytes.length !== TICKET_BODY_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { allocationId: view.getUint32(0), generation: view.getUint32(4) };
}
