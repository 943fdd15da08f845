/**
 * Option table rows: STUN behaviour (RFC 8489 Binding, FINGERPRINT and SOFTWARE; RFC 5780
 * NAT behaviour discovery) and what the server answers at all.
 */

import { Area, flag, OptionStatus as S, valued, type OptionSpec } from './option-spec.ts';
import { oneOf } from './values.ts';

const area = Area.Stun;

/** STUN behaviour options. */
export const stunOptions: readonly OptionSpec[] = [
  flag({
    name: 'fingerprint', short: 'f', area,
    meaning: 'add FINGERPRINT (RFC 8489 §14.7) to responses',
    status: S.Supported, set: (t, v) => { t.config.fingerprint = v; },
  }),
  flag({
    name: 'stun-only', short: 'S', area,
    meaning: 'answer STUN only, ignore TURN requests',
    status: S.Supported, set: (t, v) => { t.config.stunOnly = v; },
  }),
  flag({
    name: 'no-stun', area,
    meaning: 'answer TURN only, ignore STUN Binding requests',
    status: S.Supported, set: (t, v) => { t.config.noStun = v; },
  }),
  flag({
    name: 'secure-stun', area,
    meaning: 'require authentication on Binding requests',
    status: S.Supported, set: (t, v) => { t.config.secureStun = v; },
  }),
  flag({
    name: 'no-software-attribute', area, aliases: ['prod'],
    meaning: 'leave out the SOFTWARE attribute (RFC 8489 §14.14) that names the server version',
    status: S.Supported, note: "'prod' is coturn's older name for it",
    set: (t, v) => { t.config.noSoftwareAttribute = v; },
  }),
  flag({
    name: 'no-rfc5780', area,
    meaning: 'turn off RFC 5780 NAT behaviour discovery (less amplification)',
    status: S.Supported, set: (t, v) => { t.config.noRfc5780 = v; },
  }),
  flag({
    name: 'no-stun-backward-compatibility', area,
    meaning: 'refuse RFC 3489 Binding requests and send no MAPPED-ADDRESS',
    status: S.Supported, set: (t, v) => { t.config.noStunBackwardCompatibility = v; },
  }),
  flag({
    name: 'response-origin-only-with-rfc5780', area,
    meaning: 'send RESPONSE-ORIGIN only while RFC 5780 is on',
    status: S.Supported, set: (t, v) => { t.config.responseOriginOnlyWithRfc5780 = v; },
  }),
  flag({
    name: 'mobility', area,
    meaning: 'ICE mobility (MOBILITY-TICKET, RFC 8016)',
    status: S.Warn, note: 'accepted, not implemented yet: allocations do not move between 5-tuples',
    set: (t, v) => { t.config.mobility = v; },
  }),
  flag({
    name: 'keep-address-family', short: 'K', area, shortTakesValue: true,
    meaning: 'deprecated: relay in the client\'s address family instead of IPv4 by default',
    status: S.Unsupported, note: 'allocations default to IPv4 as RFC 8656 §7.2 requires',
  }),
  valued({
    name: 'allocation-default-address-family', short: 'A', area, type: oneOf(['ipv4', 'ipv6', 'keep']), default: 'ipv4',
    meaning: 'address family of relays when the client does not ask for one',
    status: S.Unsupported, note: 'allocations default to IPv4 as RFC 8656 §7.2 requires',
  }),
];
