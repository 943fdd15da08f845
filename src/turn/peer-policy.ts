/**
 * The TURN peer policy: may this peer address receive a permission, a channel or a Send
 * indication (RFC 8656 §9-§12; a refused request gets 403 Forbidden)? It keeps the relay
 * from reaching the operator's own network, whatever spelling of an address a client uses.
 *
 * Configured with coturn's options: `allowed-peer-ip`, `denied-peer-ip`, `allow-loopback-peers`,
 * `no-multicast-peers`. Pure: no I/O, no clock; every range is parsed and sorted once.
 */

import { ErrorCode, TurnpikeError } from '../errors.ts';
import { embeddedIpv4 } from '../net/ip-embedded.ts';
import { createIpRangeSet, type IpRangeSet } from '../net/ip-range-set.ts';
import { parseIpRange, type IpRange } from '../net/ip-range.ts';
import { parseIpWords, wordsToValue } from '../net/ip.ts';
import { IPV4_MULTICAST_AND_ABOVE, ipv4Refusal, ipv6Refusal, PeerRefusal } from './peer-policy-rules.ts';

export { PeerRefusal } from './peer-policy-rules.ts';

/** The peer options of `turnserver.conf`, in the typed `Config`'s camelCase. */
export interface PeerPolicyOptions {
  /** `allowed-peer-ip=ip|ip1-ip2`, repeatable: holes through every refusal below, except `noMulticastPeers`. */
  allowedPeerIps: readonly string[];
  /** `denied-peer-ip=ip|ip1-ip2`, repeatable: refusals on top of the defaults. */
  deniedPeerIps: readonly string[];
  /** `allow-loopback-peers`: lifts the loopback refusal only (127/8, ::1, and their IPv6 spellings). */
  allowLoopbackPeers: boolean;
  /** `no-multicast-peers`: 224.0.0.0 and above, and ff00::/8, refused even inside an `allowed-peer-ip` range. */
  noMulticastPeers: boolean;
}

/** The secure defaults: no holes, no extra refusals, loopback refused, multicast refused. */
export const DEFAULT_PEER_POLICY_OPTIONS: PeerPolicyOptions = {
  allowedPeerIps: [],
  deniedPeerIps: [],
  allowLoopbackPeers: false,
  noMulticastPeers: false,
};

/** The answer for one peer address; `reason` names the first rule that refused it. */
export type PeerDecision = { allowed: true } | { allowed: false; reason: PeerRefusal };

/** Decides on peer addresses; built once per configuration, asked per request and indication. */
export interface PeerPolicy {
  /** Decides on an address in any text `node:net` accepts (`1.2.3.4`, `::ffff:1.2.3.4`, `2002:102:304::`, …). */
  check(ip: string): PeerDecision;
}

const ALLOWED: PeerDecision = Object.freeze({ allowed: true });
const REFUSED = new Map<PeerRefusal, PeerDecision>(
  Object.values(PeerRefusal).map((reason) => [reason, Object.freeze({ allowed: false, reason })]),
);

function refused(reason: PeerRefusal): PeerDecision {
  return REFUSED.get(reason) as PeerDecision;
}

/**
 * Builds the policy. An IPv6 address that carries an IPv4 address (IPv4-mapped, -compatible,
 * -translated, NAT64, 6to4) is judged as that IPv4 address, against both the defaults and the
 * IPv4 parts of the operator's ranges; a `denied-peer-ip` range over the IPv6 spelling itself
 * refuses it as well. Throws `TurnpikeError` `CONFIG_INVALID` naming the option and the text
 * when a range cannot be parsed.
 */
export function createPeerPolicy(opts: PeerPolicyOptions): PeerPolicy {
  const allowed = createIpRangeSet(parseRanges('allowed-peer-ip', opts.allowedPeerIps));
  const denied = createIpRangeSet(parseRanges('denied-peer-ip', opts.deniedPeerIps));
  const { allowLoopbackPeers, noMulticastPeers } = opts;
  const words = new Uint32Array(4);

  function decideIpv4(v4: number, spelledAsIpv6: boolean): PeerDecision {
    const builtIn = ipv4Refusal(v4);
    if (noMulticastPeers && v4 >= IPV4_MULTICAST_AND_ABOVE) return refused(builtIn as PeerRefusal);
    if (allowed.containsIpv4(v4)) return ALLOWED;
    if (builtIn !== undefined && !(allowLoopbackPeers && builtIn === PeerRefusal.Loopback)) {
      return refused(builtIn);
    }
    if (denied.containsIpv4(v4)) return refused(PeerRefusal.DeniedPeerIp);
    if (spelledAsIpv6 && denied.reachesBeyondIpv4 && denied.containsValue(wordsToValue(words))) {
      return refused(PeerRefusal.DeniedPeerIp);
    }
    return ALLOWED;
  }

  function decideIpv6(): PeerDecision {
    const builtIn = ipv6Refusal(words);
    if (noMulticastPeers && builtIn === PeerRefusal.Multicast) return refused(builtIn);
    // Only ranges beyond the IPv4-mapped block can hold an address that carries no IPv4 address.
    if (!allowed.reachesBeyondIpv4 && !denied.reachesBeyondIpv4) {
      if (builtIn === undefined || (allowLoopbackPeers && builtIn === PeerRefusal.Loopback)) return ALLOWED;
      return refused(builtIn);
    }
    const value = wordsToValue(words);
    if (allowed.containsValue(value)) return ALLOWED;
    if (builtIn !== undefined && !(allowLoopbackPeers && builtIn === PeerRefusal.Loopback)) {
      return refused(builtIn);
    }
    return denied.containsValue(value) ? refused(PeerRefusal.DeniedPeerIp) : ALLOWED;
  }

  return {
    check(ip: string): PeerDecision {
      const family = parseIpWords(ip, words);
      if (family === undefined) return refused(PeerRefusal.Invalid);
      if (family === 'IPv4') return decideIpv4(words[3], false);
      const v4 = embeddedIpv4(words);
      return v4 >= 0 ? decideIpv4(v4, true) : decideIpv6();
    },
  };
}

function parseRanges(option: string, texts: readonly string[]): IpRange[] {
  return texts.map((text) => {
    const range = parseIpRange(text);
    if (range === undefined) {
      throw new TurnpikeError(
        ErrorCode.CONFIG_INVALID,
        `${option}: cannot use "${text}"; expected an IP address or a range ip1-ip2 ` +
          `(both IPv4 or both IPv6, first not above last, no spaces, no zone id)`,
      );
    }
    return range;
  });
}
