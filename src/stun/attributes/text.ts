/**
 * UTF-8 text attributes: USERNAME (RFC 8489 §14.3, under 513 bytes), REALM (§14.9) and NONCE
 * (§14.10) and SOFTWARE (§14.14), each under 763 bytes, ALTERNATE-DOMAIN (§14.16, at most 255
 * bytes), THIRD-PARTY-AUTHORIZATION (RFC 7635 §6.1) and ORIGIN (IANA STUN attribute registry,
 * RFC 8489 §18.3), whose only bound is the message's. Invalid UTF-8 is refused rather than replaced, so what the server
 * hashes for a key is exactly what the client sent.
 */
import { AttributeFault, unencodable, type AttributeCodec } from './codec.ts';

/**
 * `fatal` refuses invalid UTF-8; `ignoreBOM` keeps a leading U+FEFF as a character instead of
 * dropping it, so decoding never changes the text that was sent.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 bytes, or returns undefined if they are not valid UTF-8. */
export function decodeUtf8(msg: Uint8Array, offset: number, length: number): string | undefined {
  try {
    return utf8.decode(msg.subarray(offset, offset + length));
  } catch {
    return undefined;
  }
}

/** UTF-8 byte length of `text`; throws unless it is a well-formed string (no lone surrogates). */
export function utf8Size(name: string, text: string, maxBytes: number): number {
  if (typeof text !== 'string') unencodable(name, 'value is not a string');
  if (!text.isWellFormed()) unencodable(name, 'text contains a lone surrogate');
  const n = Buffer.byteLength(text, 'utf8');
  if (n > maxBytes) unencodable(name, `${n} bytes exceed the limit of ${maxBytes}`);
  return n;
}

/** A codec for a UTF-8 text attribute of at most `maxBytes` bytes. */
export function textCodec(name: string, maxBytes: number): AttributeCodec<string> {
  return {
    name,
    decode(msg, offset, length) {
      if (length > maxBytes) {
        return new AttributeFault('attribute-too-long', `${name} has ${length} bytes, more than ${maxBytes}`);
      }
      const text = decodeUtf8(msg, offset, length);
      return text ?? new AttributeFault('attribute-bad-value', `${name} is not valid UTF-8`);
    },
    size: (value) => utf8Size(name, value, maxBytes),
    write(out, offset, value) {
      out.write(value, offset, 'utf8');
    },
  };
}
