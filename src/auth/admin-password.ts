import { createHash } from 'node:crypto';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { constantTimeEqual } from './constant-time.ts';

/**
 * Hashed admin passwords, the format coturn keeps in `admin_user.password` and `cli-password`
 * and `turnadmin -P` prints: "$5$" + 16 hex digits of salt + "$" + hex SHA-256(salt bytes ‖ password),
 * one round. (Not a STUN mechanism: it guards the admin web page and the telnet CLI.)
 */

/** Salt length of the admin password format, in bytes (16 hex digits). */
export const ADMIN_PASSWORD_SALT_BYTES = 8;

const ADMIN_HASH = /^\$5\$([0-9a-fA-F]{16})\$([0-9a-fA-F]{64})$/;

/**
 * Hashes an admin password with the given 8-byte salt (the caller draws it at random, so
 * this stays pure). The password is hashed as its UTF-8 bytes. A salt of another length
 * throws `TurnpikeError` USAGE.
 */
export function hashAdminPassword(password: string, salt: Uint8Array): string {
  if (salt.byteLength !== ADMIN_PASSWORD_SALT_BYTES) {
    throw new TurnpikeError(
      ErrorCode.USAGE,
      `admin password salt must be ${ADMIN_PASSWORD_SALT_BYTES} bytes, got ${salt.byteLength}`,
    );
  }
  return `$5$${Buffer.from(salt).toString('hex')}$${digest(salt, password).toString('hex')}`;
}

/** Whether `password` matches a "$5$salt$hash" admin password hash; `false` for a hash that is not in that format. */
export function verifyAdminPassword(hash: string, password: string): boolean {
  const match = ADMIN_HASH.exec(hash.trim());
  if (!match) return false;
  const expected = Buffer.from(match[2], 'hex');
  return constantTimeEqual(digest(Buffer.from(match[1], 'hex'), password), expected);
}

function digest(salt: Uint8Array, password: string): Buffer {
  return createHash('sha256').update(salt).update(password, 'utf8').digest();
}
