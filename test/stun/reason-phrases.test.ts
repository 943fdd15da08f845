/**
 * reasonPhrase against the error code registrations of the RFCs, each written out here by
 * hand from the RFC's text (not copied from src/stun/reason-phrases.ts), and against the
 * codes on either side of them, which no RFC names.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reasonPhrase } from '../../src/stun/index.ts';

/** Each RFC's list, as the RFC words it. */
const REGISTERED: { rfc: string; codes: [number, string][] }[] = [
  {
    rfc: 'RFC 8489 §14.8 (STUN)',
    codes: [
      [300, 'Try Alternate'],
      [400, 'Bad Request'],
      [401, 'Unauthenticated'], // RFC 5389 said "Unauthorized"
      [420, 'Unknown Attribute'],
      [438, 'Stale Nonce'],
      [500, 'Server Error'],
    ],
  },
  {
    rfc: 'RFC 8656 §19 (TURN)',
    codes: [
      [403, 'Forbidden'],
      [437, 'Allocation Mismatch'],
      [440, 'Address Family not Supported'],
      [441, 'Wrong Credentials'],
      [442, 'Unsupported Transport Protocol'],
      [443, 'Peer Address Family Mismatch'],
      [486, 'Allocation Quota Reached'],
      [508, 'Insufficient Capacity'],
    ],
  },
  { rfc: 'RFC 6062 §6.3 (TURN over TCP)', codes: [[446, 'Connection Already Exists'], [447, 'Connection Timeout or Failure']] },
  { rfc: 'RFC 8016 §3.4 (TURN mobility)', codes: [[405, 'Mobility Forbidden']] },
  { rfc: 'RFC 8445 §7.3.1.1 (ICE)', codes: [[487, 'Role Conflict']] },
];

test('reasonPhrase gives the RFC phrase of every STUN and TURN error code, word for word', () => {
  for (const { rfc, codes } of REGISTERED) {
    for (const [code, phrase] of codes) assert.equal(reasonPhrase(code), phrase, `${code} in ${rfc}`);
  }
});

test('codes next to the registered ones, up to 699, get the generic phrase', () => {
  const unnamed = [
    301, 399, 402, 404, 406, 419, 421, 436, 439, 444, 445, 448, 485, 488, 499, 501, 507, 509, 599, 600, 699,
  ];
  for (const code of unnamed) assert.equal(reasonPhrase(code), 'Unknown Error', String(code));
});
