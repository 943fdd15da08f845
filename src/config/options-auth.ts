/**
 * Option table rows: how clients authenticate — the long-term credential mechanism
 * (RFC 8489 §9.2) with static users, and the TURN REST API's shared secrets.
 */

import { Area, flag, OptionStatus as S, valued, type OptionSpec } from './option-spec.ts';
import { integer, singleCharacter, staticUser, text } from './values.ts';

const area = Area.Auth;
const noPings = 'ignored: Turnpike pings no database; its connections reconnect on demand, with backoff, when a query fails';

/** Credential options. */
export const authOptions: readonly OptionSpec[] = [
  flag({
    name: 'lt-cred-mech', short: 'a', area,
    meaning: 'use the long-term credential mechanism (what WebRTC needs)',
    status: S.Supported, note: "implied when 'user' accounts are given, as coturn does",
    set: (t, v) => { t.config.ltCredMech = v; },
  }),
  flag({
    name: 'no-auth', short: 'z', area,
    meaning: 'allow anonymous access: anyone may allocate relays',
    status: S.Supported, note: 'Turnpike never runs without credentials unless this is given explicitly',
    set: (t, v) => { t.config.noAuth = v; },
  }),
  valued({
    name: 'user', short: 'u', area, type: staticUser, repeatable: true, secret: true,
    meaning: "a user account 'name:password', or 'name:0x<key>' with the key turnadmin -k prints",
    status: S.Supported, set: (t, v) => { t.config.users.push(v); },
  }),
  flag({
    name: 'use-auth-secret', area,
    meaning: 'TURN REST API: time-limited credentials signed with a shared secret',
    status: S.Supported, note: 'the secrets come from static-auth-secret or from the user database (turnadmin -s)',
    set: (t, v) => { t.config.useAuthSecret = v; },
  }),
  valued({
    name: 'static-auth-secret', area, type: text('<secret>', 'a non-empty secret'), repeatable: true, secret: true,
    meaning: 'shared secret for the TURN REST API; repeat to rotate secrets',
    status: S.Supported, note: 'implies use-auth-secret, as in coturn',
    set: (t, v) => {
      t.config.staticAuthSecrets.push(v);
      t.config.useAuthSecret = true;
    },
  }),
  valued({
    name: 'rest-api-separator', short: 'C', area, type: singleCharacter, default: ':',
    meaning: 'character between the expiry timestamp and the user name in REST API user names',
    status: S.Supported, set: (t, v) => { t.config.restApiSeparator = v; },
  }),
  valued({
    name: 'realm', short: 'r', area, type: text('<realm>', 'a realm name'), default: 'none',
    meaning: 'the realm sent to clients in REALM (RFC 8489 §14.9)',
    status: S.Supported, set: (t, v) => { t.config.realm = v; },
  }),
  valued({
    name: 'server-name', area, type: text('<name>', 'a server name'), default: 'the realm',
    meaning: 'server name used by oAuth (RFC 7635)',
    status: S.Supported, set: (t, v) => { t.config.serverName = v; },
  }),
  flag({
    name: 'no-auth-pings', area,
    meaning: 'stop the periodic checks of secrets stored in the database',
    status: S.Warn, note: noPings,
  }),
  flag({
    name: 'no-dynamic-ip-list', area,
    meaning: 'do not read allowed/denied peer ranges from the database',
    status: S.Supported, set: (t, on) => { t.config.noDynamicIpList = on; },
  }),
  flag({
    name: 'no-dynamic-realms', area,
    meaning: 'do not read origin-to-realm mappings and realm options (max-bps, user-quota, total-quota) from the database',
    status: S.Supported, set: (t, on) => { t.config.noDynamicRealms = on; },
  }),
  valued({
    name: 'secret-ts-exp-time', area, type: integer(0, 2 ** 31 - 1), bare: 0,
    meaning: 'old REST API option, deprecated and without effect in coturn',
    status: S.Warn, note: 'ignored, as in coturn: the expiry is the timestamp in the user name',
  }),
  flag({
    name: 'oauth', area,
    meaning: 'accept third-party authorization tokens (RFC 7635)',
    status: S.Supported, note: "keys come from the user database's oauth_key table; server-name names the server",
    set: (t, v) => { t.config.oauth = v; },
  }),
  flag({
    name: 'stateless-nonce', area, default: 'on',
    meaning: 'NONCEs that are signed timestamps, so unauthenticated requests leave no state (coturn 4.7+)',
    status: S.Supported, note: "always so in Turnpike: every NONCE is an HMAC of its time and the client's address; 'stateless-nonce=off' changes nothing",
  }),
  flag({
    name: 'st-cred-mech', area,
    meaning: 'old option (coturn 4.2 and before) for the short-term credential mechanism (RFC 8489 §9.1)',
    status: S.Removed,
    note: "removed from coturn in 2015: TURN servers, and WebRTC, use the long-term credential mechanism only; replace it with 'lt-cred-mech' and 'user=NAME:PASSWORD' (or a user database), or with 'use-auth-secret' and 'static-auth-secret=SECRET' for time-limited credentials",
  }),
  flag({
    name: 'check-origin-consistency', area,
    meaning: 'require the same ORIGIN attribute on every request of an allocation (else 441)',
    status: S.Supported, set: (t, on) => { t.config.checkOriginConsistency = on; },
  }),
];
