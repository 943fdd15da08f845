/**
 * Self-contained access tokens of third-party authorization (RFC 7635 §6.2, Appendix B), in
 * the layout coturn and its `turnutils_oauth` use:
 *
 *   nonce_length (16 bits) ‖ nonce ‖ AEAD-sealed block ‖ AEAD tag (16 bytes)
 *
 * where the sealed block is key_length (16 bits) ‖ mac_key ‖ timestamp (64 bits: 48 bits of
 * unix seconds and 16 bits of 1/64000 second) ‖ lifetime (32 bits, seconds), sealed with
 * AES-256-GCM or AES-128-GCM (the key's `as_rs_alg`, RFC 7635 §4.1) under the key the
 * authorization server shares with this server, with the server name as additional
 * authenticated data. The `mac_key` is the client's MESSAGE-INTEGRITY key.
 *
 * Pure: the nonce is passed in, no clock is read. Decoding bad bytes returns a reason.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

/** The AEAD algorithms of RFC 7635 §4.1 that coturn accepts. */
export type OAuthAlgorithm = 'A256GCM' | 'A128GCM';

/** An `oauth_key` row made usable: the sealing key and what limits it. */
export interface OAuthKey {
  kid: string;
  algorithm: OAuthAlgorithm;
  /** the AS–RS key: the first 32 (A256GCM) or 16 (A128GCM) bytes of the input keying material */
  asRsKey: Uint8Array;
  /** unix seconds; 0 when the row does not say */
  timestamp: number;
  /** seconds after `timestamp`; 0 for no limit */
  lifetime: number;
  realm: string;
}

/** The sealed block of a token (RFC 7635 §6.2). */
export interface OAuthTokenBlock {
  macKey: Uint8Array;
  /** 48 bits of unix seconds then 16 bits of 1/64000 second */
  timestamp: bigint;
  /** seconds; 0 for no limit */
  lifetime: number;
}

/** Why a token or a key row was not usable. Stable strings, safe to count. */
export type OAuthTokenError = 'token-too-short' | 'token-nonce-too-long' | 'token-integrity' | 'token-truncated' | 'key-unknown-algorithm' | 'key-too-short';

/** coturn's limits: nonces up to 256 bytes, the GCM nonce of its tokens is 12, tags are 16. */
const MAX_NONCE_BYTES = 256;
const TAG_BYTES = 16;
const GCM_NONCE_BYTES = 12;
/** Largest MAC key a token may carry (HMAC-SHA-512 keys). */
const MAX_MAC_KEY_BYTES = 64;

/** The timestamp field of a token for `unixSeconds` (RFC 7635 §6.2: 48.16 fixed point). */
export function oauthTimestamp(unixSeconds: number): bigint {
  return BigInt(Math.floor(unixSeconds)) << 16n;
}

/** The unix seconds of a token's timestamp field. */
export function oauthTimestampSeconds(timestamp: bigint): number {
  return Number(timestamp >> 16n);
}

/**
 * An `oauth_key` row (coturn's columns) as a usable key, or why not: `as_rs_alg` is read the
 * way coturn reads it (blanks dropped, `_` for `-`, any case; empty means A256GCM), and the
 * base64 keying material must hold at least the cipher's key length.
 */
export function oauthKeyFromRow(row: { kid: string; ikmKey: string; timestamp: number; lifetime: number; asRsAlg: string; realm: string }): { ok: true; key: OAuthKey } | { ok: false; error: OAuthTokenError } {
  const alg = row.asRsAlg.trim().replace(/_/g, '-').toUpperCase();
  const algorithm: OAuthAlgorithm | undefined = alg === '' || alg === 'A256GCM' ? 'A256GCM' : alg === 'A128GCM' ? 'A128GCM' : undefined;
  if (algorithm === undefined) return { ok: false, error: 'key-unknown-algorithm' };
  const ikm = Buffer.from(row.ikmKey.trim(), 'base64');
  const size = algorithm === 'A256GCM' ? 32 : 16;
  if (ikm.length < size) return { ok: false, error: 'key-too-short' };
  return { ok: true, key: { kid: row.kid, algorithm, asRsKey: new Uint8Array(ikm.subarray(0, size)), timestamp: row.timestamp, lifetime: row.lifetime, realm: row.realm } };
}

function cipherName(key: OAuthKey): 'aes-256-gcm' | 'aes-128-gcm' {
  return key.algorithm === 'A256GCM' ? 'aes-256-gcm' : 'aes-128-gcm';
}

/** Seals `block` into a token for `serverName` (RFC 7635 §6.2). `nonce`: 12 random bytes, the caller's. */
export function encodeOAuthToken(serverName: string, key: OAuthKey, block: OAuthTokenBlock, nonce: Uint8Array): Buffer {
  if (nonce.length !== GCM_NONCE_BYTES) throw new RangeError(`an access token nonce is ${GCM_NONCE_BYTES} bytes, got ${nonce.length}`);
  if (block.macKey.length > MAX_MAC_KEY_BYTES) throw new RangeError(`a mac_key is at most ${MAX_MAC_KEY_BYTES} bytes`);
  const plain = Buffer.alloc(2 + block.macKey.length + 8 + 4);
  plain.writeUInt16BE(block.macKey.length, 0);
  plain.set(block.macKey, 2);
  plain.writeBigUInt64BE(BigInt.asUintN(64, block.timestamp), 2 + block.macKey.length);
  plain.writeUInt32BE(block.lifetime >>> 0, 2 + block.macKey.length + 8);
  const cipher = createCipheriv(cipherName(key), key.asRsKey, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(serverName, 'utf8'));
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(nonce.length, 0);
  return Buffer.concat([head, nonce, sealed, cipher.getAuthTag()]);
}

/** Opens a token sealed for `serverName` with `key` (RFC 7635 §6.2); a reason when it does not open. */
export function decodeOAuthToken(serverName: string, key: OAuthKey, token: Uint8Array): { ok: true; block: OAuthTokenBlock } | { ok: false; error: OAuthTokenError } {
  if (token.length < 2) return { ok: false, error: 'token-too-short' };
  const nonceLength = (token[0] << 8) | token[1];
  if (nonceLength > MAX_NONCE_BYTES) return { ok: false, error: 'token-nonce-too-long' };
  // At least a nonce, the key length field, a timestamp, a lifetime and the tag.
  if (nonceLength === 0 || token.length < 2 + nonceLength + 2 + 8 + 4 + TAG_BYTES) return { ok: false, error: 'token-too-short' };
  const nonce = token.subarray(2, 2 + nonceLength);
  const sealed = token.subarray(2 + nonceLength, token.length - TAG_BYTES);
  const tag = token.subarray(token.length - TAG_BYTES);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv(cipherName(key), key.asRsKey, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(serverName, 'utf8'));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(sealed), decipher.final()]);
  } catch {
    // A wrong key, server name or nonce, or altered bytes: GCM's tag does not match.
    return { ok: false, error: 'token-integrity' };
  }
  const macLength = plain.readUInt16BE(0);
  if (macLength > MAX_MAC_KEY_BYTES || plain.length < 2 + macLength + 8 + 4) return { ok: false, error: 'token-truncated' };
  return {
    ok: true,
    block: {
      macKey: new Uint8Array(plain.subarray(2, 2 + macLength)),
      timestamp: plain.readBigUInt64BE(2 + macLength),
      lifetime: plain.readUInt32BE(2 + macLength + 8),
    },
  };
}
