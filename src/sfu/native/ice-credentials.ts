/**
 * ICE credentials (RFC 8445 §5.3, grammar in RFC 8839 §5.4): the username fragment and password
 * each side announces in its description (`a=ice-ufrag`, `a=ice-pwd`). Connectivity checks are
 * authenticated with them as STUN short-term credentials (RFC 8489 §9.1): USERNAME is
 * "receiver-ufrag:sender-ufrag", MESSAGE-INTEGRITY is keyed with the receiver's password.
 */
import { randomBytes } from 'node:crypto';

/** One side's ICE credentials. */
export interface IceCredentials {
  readonly ufrag: string;
  readonly pwd: string;
}

/** A source of random bytes; injected so tests can make credentials repeatable. */
export type RandomBytes = (n: number) => Uint8Array;

/** RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/" (64 characters: one per 6 random bits). */
const ICE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Length of generated ufrags: RFC 8839 §5.4 asks for at least 4; 8 gives 48 random bits, so ufrags on one port do not collide. */
export const UFRAG_LENGTH = 8;
/** Length of generated passwords: RFC 8839 §5.4 asks for at least 22 (128 bits of randomness needs 22 ice-chars). */
export const PWD_LENGTH = 24;

function iceString(length: number, random: RandomBytes): string {
  const bytes = random(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ICE_CHARS[bytes[i] & 63];
  return out;
}

/** Fresh random local credentials (RFC 8445 §5.3; new ones on every ICE restart, §9). */
export function makeIceCredentials(random: RandomBytes = randomBytes): IceCredentials {
  return { ufrag: iceString(UFRAG_LENGTH, random), pwd: iceString(PWD_LENGTH, random) };
}

/** Whether `s` is a valid `ice-ufrag` value (RFC 8839 §5.4: 4 to 256 ice-chars). */
export function isIceUfrag(s: string): boolean {
  return /^[A-Za-z0-9+/]{4,256}$/.test(s);
}

/** Whether `s` is a valid `ice-pwd` value (RFC 8839 §5.4: 22 to 256 ice-chars). */
export function isIcePwd(s: string): boolean {
  return /^[A-Za-z0-9+/]{22,256}$/.test(s);
}
