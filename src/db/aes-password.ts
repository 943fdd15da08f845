/**
 * coturn's AES password encryption (`turnadmin -x` / `-f` / `-E` / `-v`, and the server's
 * `secret-key-file`, which decrypts the password of `mysql-userdb`): AES-128 in CTR mode with
 * an all-zero IV, no padding, the ciphertext in base64 without line breaks. The key file holds
 * the 16 key bytes and nothing else (no newline); coturn reads its first 16 bytes as the key.
 * coturn 4.6 (Debian's) writes 16 random characters from [0-9A-Za-z]; newer coturn writes 16
 * random bytes. Both read either, so Turnpike writes the text form, which survives copy & paste.
 */
import { createCipheriv, createDecipheriv, randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { ErrorCode, TurnpikeError } from '../errors.ts';

/** Length of an AES-128 key in bytes. */
export const AES_KEY_LENGTH = 16;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ZERO_IV = new Uint8Array(16);

function checkKey(key: Uint8Array): void {
  if (key.length !== AES_KEY_LENGTH) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `an AES-128 key has ${AES_KEY_LENGTH} bytes, not ${key.length}`);
  }
}

/** Encrypts a password as `turnadmin -f <keyfile> -E -p <password>` prints it. */
export function encryptAesPassword(plain: string, key: Uint8Array): string {
  checkKey(key);
  const cipher = createCipheriv('aes-128-ctr', key, ZERO_IV);
  return Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
}

/**
 * Decrypts coturn's encrypted form (base64; surrounding white space is ignored). Throws
 * `TurnpikeError` CONFIG_INVALID when the text is not base64 — e.g. a password that was
 * never encrypted although a `secret-key-file` is set.
 */
export function decryptAesPassword(text: string, key: Uint8Array): string {
  checkKey(key);
  const b64 = text.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.replace(/=+$/, '').length % 4 === 1) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, 'the encrypted password is not base64 (was it made with turnadmin -E?)');
  }
  const decipher = createDecipheriv('aes-128-ctr', key, ZERO_IV);
  return Buffer.concat([decipher.update(Buffer.from(b64, 'base64')), decipher.final()]).toString('utf8');
}

/** A new random key in the form Debian's `turnadmin -x` writes: 16 characters from [0-9A-Za-z]. */
export function generateAesKey(): Uint8Array {
  const key = new Uint8Array(AES_KEY_LENGTH);
  for (let i = 0; i < key.length; i++) key[i] = ALPHABET.charCodeAt(randomInt(ALPHABET.length));
  return key;
}

/** Writes a new key (or the given one) to `path` as `turnadmin -x <path>` does (mode 0600); returns it. */
export function writeAesKeyFile(path: string, key: Uint8Array = generateAesKey()): Uint8Array {
  checkKey(key);
  try {
    writeFileSync(path, key, { mode: 0o600 });
  } catch (err) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `cannot write the AES key file ${path}: ${(err as Error).message}`);
  }
  return key;
}

/**
 * Reads a key file as coturn reads `secret-key-file` / `turnadmin -f`: its first 16 bytes,
 * whatever they are. Throws `TurnpikeError` CONFIG_INVALID when the file cannot be read or
 * is shorter than 16 bytes (coturn logs an error and goes on with an undefined key).
 */
export function readAesKeyFile(path: string): Uint8Array {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `cannot read the AES key file ${path}: ${(err as Error).message}`);
  }
  if (data.length < AES_KEY_LENGTH) {
    const what = data.length === 0 ? 'is empty' : `has ${data.length} bytes, fewer than ${AES_KEY_LENGTH}`;
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `the AES key file ${path} ${what}`);
  }
  return new Uint8Array(data.subarray(0, AES_KEY_LENGTH));
}
