/**
 * The recommended reason phrases of STUN and TURN error codes (RFC 8489 §14.8, RFC 8656 §19,
 * RFC 6062 §6.3, RFC 8016 §3.4, RFC 8445 §7.3.1.1), for the ERROR-CODE attribute.
 */

const PHRASES: ReadonlyMap<number, string> = new Map([
  [300, 'Try Alternate'],
  [400, 'Bad Request'],
  [401, 'Unauthenticated'],
  [403, 'Forbidden'],
  [405, 'Mobility Forbidden'],
  [420, 'Unknown Attribute'],
  [437, 'Allocation Mismatch'],
  [438, 'Stale Nonce'],
  [440, 'Address Family not Supported'],
  [441, 'Wrong Credentials'],
  [442, 'Unsupported Transport Protocol'],
  [443, 'Peer Address Family Mismatch'],
  [446, 'Connection Already Exists'],
  [447, 'Connection Timeout or Failure'],
  [486, 'Allocation Quota Reached'],
  [487, 'Role Conflict'],
  [500, 'Server Error'],
  [508, 'Insufficient Capacity'],
]);

/**
 * The RFC reason phrase for an error code ("Stale Nonce" for 438); "Unknown Error" for a
 * code no RFC above defines. 401 is "Unauthenticated", RFC 8489's name for RFC 5389's
 * "Unauthorized".
 */
export function reasonPhrase(code: number): string {
  return PHRASES.get(code) ?? 'Unknown Error';
}
