/**
 * Option table rows: STUN behaviour (RFC 8489 Binding, FINGERPRINT and SOFTWARE; RFC 5780
 * NAT behaviour discovery) and what the server answers at all.
 */

import { Area, flag, OptionStatus as S, valued, type OptionSpec } from './option-spec.ts';
import { oneOf } from './values.ts';

const area = Area.Stun;
const backwardNote =
  "one switch in Turnpike, on by default as in coturn 4.6: RFC 3489 requests answered and MAPPED-ADDRESS sent; the last of no-stun-backward-compatibility, stun-backward-compatibility and rfc3489-compatibility counts ('stun-backward-compatibility=off' turns both off)";

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
    meaning: 'leave out the SOFTWARE attribute (RFC 8489 §14.14) that names the server version (coturn 4.6; deprecated in 4.7+)',
    status: S.Supported, note: "'prod' is coturn's older name for it; the last of this and software-attribute counts, as in coturn 4.17",
    set: (t, v) => { t.config.noSoftwareAttribute = v; },
  }),
  flag({
    name: 'software-attribute', area, default: 'on (coturn 4.7+: off)',
    meaning: 'send the SOFTWARE attribute (coturn 4.7+, where it is off by default)',
    status: S.Supported, note: "Turnpike sends SOFTWARE unless told not to, as coturn 4.6 did: 'software-attribute=off' or 'no-software-attribute' leaves it out",
    set: (t, v) => { t.config.noSoftwareAttribute = !v; },
  }),
  flag({
    name: 'rfc5780', area,
    meaning: 'answer RFC 5780 NAT behaviour discovery (CHANGE-REQUEST, RESPONSE-PORT, OTHER-ADDRESS, PADDING) (coturn 4.7+)',
    status: S.Supported, note: 'not cancelled by no-rfc5780, whatever the order, as in coturn 4.17',
    set: (t, v) => { t.config.rfc5780 = v; },
  }),
  flag({
    name: 'no-rfc5780', area,
    meaning: 'turn off RFC 5780 NAT behaviour discovery (coturn 4.6, where it was on by default; without effect in 4.7+)',
    status: S.Supported, note: 'RFC 5780 is off unless rfc5780 is given, so this changes nothing, as in coturn 4.17',
    set: (t, v) => { t.config.noRfc5780 = v; },
  }),
  flag({
    name: 'no-stun-backward-compatibility', area,
    meaning: 'refuse RFC 3489 Binding requests and send no MAPPED-ADDRESS (coturn 4.6)',
    status: S.Supported, note: backwardNote,
    set: (t, v) => { t.config.noStunBackwardCompatibility = v; },
  }),
  flag({
    name: 'stun-backward-compatibility', area, default: 'on (coturn 4.7+: off)',
    meaning: 'add MAPPED-ADDRESS next to XOR-MAPPED-ADDRESS in Binding responses (coturn 4.7+)',
    status: S.Supported, note: backwardNote,
    set: (t, v) => { t.config.noStunBackwardCompatibility = !v; },
  }),
  flag({
    name: 'rfc3489-compatibility', area, default: 'on (coturn 4.7+: off)',
    meaning: 'answer RFC 3489 ("classic" STUN) Binding requests, which have no magic cookie (coturn 4.7+, deprecated)',
    status: S.Supported, note: backwardNote,
    set: (t, v) => { t.config.noStunBackwardCompatibility = !v; },
  }),
  flag({
    name: 'response-origin-only-with-rfc5780', area,
    meaning: 'send RESPONSE-ORIGIN only while RFC 5780 is on (without effect in coturn 4.7+)',
    status: S.Supported, set: (t, v) => { t.config.responseOriginOnlyWithRfc5780 = v; },
  }),
  flag({
    name: 'mobility', area,
    meaning: 'ICE mobility (MOBILITY-TICKET, RFC 8016): an allocation may move to a new 5-tuple',
    status: S.Supported,
    set: (t, v) => { t.config.mobility = v; },
  }),
  flag({
    name: 'keep-address-family', short: 'K', area, shortTakesValue: true,
    meaning: 'deprecated: relay in the client\'s address family instead of IPv4 by default',
    status: S.Supported, note: "same as 'allocation-default-address-family=keep'; this breaks RFC 8656 §7.2's IPv4 default, as in coturn",
    set: (t, v) => { if (v) t.config.allocationDefaultAddressFamily = 'keep'; },
  }),
  valued({
    name: 'allocation-default-address-family', short: 'A', area, type: oneOf(['ipv4', 'ipv6', 'keep']), default: 'ipv4',
    meaning: "address family of relays when the Allocate has no REQUESTED-ADDRESS-FAMILY; 'keep' is the family of the client's own address",
    status: S.Supported, note: 'RFC 8656 §7.2 says IPv4: change it with care; a family without a relay address is refused with 440',
    set: (t, v) => { t.config.allocationDefaultAddressFamily = v; },
  }),
  flag({
    name: 'include-reason-string', area,
    meaning: 'detailed reason phrases in error responses instead of the standard ones (coturn 4.7+)',
    status: S.Warn, note: 'ignored: error responses carry the standard reason phrase of their code (RFC 8489 §14.8), which leaks nothing about the server',
  }),
  flag({
    name: 'drop-invalid-packets', area, default: 'on',
    meaning: 'drop malformed packets early, unanswered (coturn 4.7+)',
    status: S.Supported, note: 'always so: packets that do not decode as STUN or ChannelData are dropped unanswered and counted',
  }),
  flag({
    name: 'drop-invalid-packets-log', area,
    meaning: 'log each dropped malformed packet (coturn 4.7+)',
    status: S.Warn, note: 'ignored: dropped packets are counted by reason (the turnpike_drops_total metric), not logged one by one',
  }),
  flag({
    name: 'respond-http-unsupported', area,
    meaning: 'answer HTTP requests on the STUN/TURN TCP ports with 400 instead of closing (coturn 4.7+)',
    status: S.Supported, note: 'on TCP and TLS connections whose first bytes are a GET, POST, PUT or DELETE request line; acme-redirect challenges are redirected first',
    set: (t, v) => { t.config.respondHttpUnsupported = v; },
  }),
];
