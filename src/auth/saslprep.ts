/**
 * The string preparation applied to a realm and a password before they are hashed into a
 * long-term key (RFC 8489 §9.2.2 calls for OpaqueString, RFC 8265 §4.2; RFC 5389 and the
 * RFC 5769 §2.4 test vector use SASLprep, RFC 4013).
 *
 * What is done, and what is not:
 * - non-ASCII space characters (RFC 3454 table C.1.2) become U+0020;
 * - characters "commonly mapped to nothing" (RFC 3454 table B.1: soft hyphen, zero-width
 *   joiners, variation selectors, BOM) are removed;
 * - the result is normalised to NFKC (RFC 4013 §2.2), which is what turns "ª" into "a" and
 *   "Ⅸ" into "IX" in the RFC 5769 vector.
 * Prohibited-output, bidirectional and unassigned code point checks (RFC 4013 §2.3–2.5) are
 * not applied: they only ever reject a string, and rejecting a configured password is not
 * this function's job. Printable ASCII passes through unchanged, so every key coturn's
 * `turnadmin` computes (it accepts ASCII only) is reproduced bit for bit.
 */
export function saslPrep(text: string): string {
  // Fast path: printable ASCII is already prepared, and it is what nearly every deployment uses.
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  return text.replace(NON_ASCII_SPACE, ' ').replace(MAPPED_TO_NOTHING, '').normalize('NFKC');
}

/** RFC 3454 table C.1.2: non-ASCII space characters. */
const NON_ASCII_SPACE = /[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]/g;

/** RFC 3454 table B.1: characters commonly mapped to nothing. */
const MAPPED_TO_NOTHING = /[\u00ad\u034f\u1806\u180b-\u180d\u200b-\u200d\u2060\ufe00-\ufe0f\ufeff]/g;
