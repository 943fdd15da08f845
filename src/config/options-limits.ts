/**
 * Option table rows: lifetimes (RFC 8656 §3.2 allocations, §9 permissions, §12 channels,
 * RFC 8489 §9.2.4 nonces), allocation quotas and bandwidth limits.
 */

import { Area, flag, OptionStatus as S, valued, type OptionSpec } from './option-spec.ts';
import { integer } from './values.ts';

const area = Area.Limits;
/** The longest lifetime a Node.js timer can arm, in seconds (about 24 days). */
const MAX_LIFETIME = 2147483;
const seconds = (min: number) => integer(min, MAX_LIFETIME, '<seconds>');
const count = integer(0, Number.MAX_SAFE_INTEGER);

/** Lifetime, quota and bandwidth options. */
export const limitOptions: readonly OptionSpec[] = [
  valued({
    name: 'stale-nonce', area, type: seconds(0), bare: 600, default: '600',
    meaning: 'seconds a NONCE stays valid before 438 Stale Nonce; 0 = forever; bare flag = 600',
    status: S.Supported, set: (t, v) => { t.config.staleNonce = v; },
  }),
  valued({
    name: 'max-allocate-lifetime', area, type: seconds(1), bare: 3600, default: '3600',
    meaning: 'longest allocation lifetime a client may ask for, in seconds',
    status: S.Supported, set: (t, v) => { t.config.maxAllocateLifetime = v; },
  }),
  valued({
    name: 'channel-lifetime', area, type: seconds(1), bare: 600, default: '600',
    meaning: 'channel binding lifetime in seconds (RFC 8656 §12 says 600)',
    status: S.Supported, set: (t, v) => { t.config.channelLifetime = v; },
  }),
  valued({
    name: 'permission-lifetime', area, type: seconds(1), bare: 300, default: '300',
    meaning: 'permission lifetime in seconds (RFC 8656 §9 says 300)',
    status: S.Supported, set: (t, v) => { t.config.permissionLifetime = v; },
  }),
  valued({
    name: 'max-allocate-timeout', area, type: seconds(1), default: '60',
    meaning: 'seconds allowed to complete an allocation',
    status: S.Warn, note: 'ignored: this option sets no time limit on allocation set-up in Turnpike',
  }),
  flag({
    name: 'unauthorized-ratelimit', area, default: "off (Turnpike's own limit, unauthenticated-rate-limit, is on)",
    meaning: 'limit the 401 answers sent to one source IP, against reflection (coturn 4.7+)',
    status: S.Supported,
    note: "sets Turnpike's limit on unauthenticated answers per source IP (unauthenticated-rate-limit) to unauthorized-ratelimit-rps, 10 unless given; 'unauthorized-ratelimit=off' removes the limit",
    set: (t, on) => { t.unauthorizedRatelimit = on; },
  }),
  valued({
    name: 'unauthorized-ratelimit-rps', area, type: integer(1, 1_000_000, '<count>'), bare: 10, default: '10',
    meaning: '401 answers per second to one source IP with unauthorized-ratelimit (coturn 4.7+)',
    status: S.Supported, note: "becomes unauthenticated-rate-limit, whatever the order, unless 'unauthorized-ratelimit=off' is given",
    set: (t, v) => { t.unauthorizedRatelimitRps = v; },
  }),
  valued({
    name: 'user-quota', short: 'q', area, type: count, default: '0 (no limit)',
    meaning: 'most concurrent allocations one user may hold',
    status: S.Supported, set: (t, v) => { t.config.userQuota = v; },
  }),
  valued({
    name: 'total-quota', short: 'Q', area, type: count, default: '0 (no limit)',
    meaning: 'most concurrent allocations on the server',
    status: S.Supported, set: (t, v) => { t.config.totalQuota = v; },
  }),
  valued({
    name: 'max-bps', short: 's', area, type: count, default: '0 (no limit)',
    meaning: 'bytes per second one session may relay, each direction apart',
    status: S.Supported, set: (t, v) => { t.config.maxBps = v; },
  }),
  valued({
    name: 'bps-capacity', short: 'B', area, type: count, default: '0 (no limit)',
    meaning: 'bytes per second the whole server may relay; needs max-bps',
    status: S.Supported, set: (t, v) => { t.config.bpsCapacity = v; },
  }),
];
