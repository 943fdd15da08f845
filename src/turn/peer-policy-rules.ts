/**
 * The peer addresses Turnpike refuses by default, so a TURN relay cannot be pointed at the
 * operator's own network (RFC 8656 §21): the special-purpose blocks of RFC 6890 that reach
 * this host or its private networks, plus multicast, broadcast and reserved space.
 * Documentation and benchmark blocks (RFC 5737, RFC 2544, RFC 3849) are allowed: they name no
 * internal host.
 */

/** Why a peer address was refused: short stable words for logs, metrics and tests. */
export const PeerRefusal = {
  /** not an IP address `node:net` accepts, or one with a zone id */
  Invalid: 'invalid',
  /** `0.0.0.0/8`, RFC 6890 §2.2.2: "this network", which Linux delivers to this host */
  ThisNetwork: 'this-network',
  /** `::`, RFC 4291 §2.5.2 */
  Unspecified: 'unspecified',
  /** `127.0.0.0/8` and `::1`, RFC 1122 §3.2.1.3, RFC 4291 §2.5.3 */
  Loopback: 'loopback',
  /** `10/8`, `172.16/12`, `192.168/16`, RFC 1918 */
  Private: 'private',
  /** `100.64/10`, RFC 6598 carrier-grade NAT space */
  Shared: 'shared',
  /** `169.254/16` (cloud metadata at 169.254.169.254), RFC 3927; `fe80::/10`, RFC 4291 §2.5.6 */
  LinkLocal: 'link-local',
  /** `fc00::/7`, RFC 4193 */
  UniqueLocal: 'unique-local',
  /** `fec0::/10`, deprecated by RFC 3879 but still routed on some networks */
  SiteLocal: 'site-local',
  /** `224/4`, RFC 5771; `ff00::/8`, RFC 4291 §2.7 */
  Multicast: 'multicast',
  /** `255.255.255.255`, RFC 919 */
  Broadcast: 'broadcast',
  /** `240/4` below the broadcast address, RFC 1112 §4 */
  Reserved: 'reserved',
  /** `2001::/32`, RFC 4380: the client address inside is obfuscated, and WebRTC never needs it */
  Teredo: 'teredo',
  /** `64:ff9b:1::/48`, RFC 8215 local-use NAT64, whose IPv4 position depends on local set-up */
  Nat64Local: 'nat64-local',
  /** a `denied-peer-ip` range of the operator's configuration */
  DeniedPeerIp: 'denied-peer-ip',
} as const;
export type PeerRefusal = (typeof PeerRefusal)[keyof typeof PeerRefusal];

/** The first IPv4 address coturn's `no-multicast-peers` covers: it refuses `224.0.0.0` "and above". */
export const IPV4_MULTICAST_AND_ABOVE = 0xe0000000;

/** The default refusal for an IPv4 address (unsigned 32-bit number), or `undefined` when allowed. */
export function ipv4Refusal(v4: number): PeerRefusal | undefined {
  const a = v4 >>> 24;
  const b = (v4 >>> 16) & 0xff;
  if (a === 0) return PeerRefusal.ThisNetwork;
  if (a === 10) return PeerRefusal.Private;
  if (a === 100 && (b & 0xc0) === 64) return PeerRefusal.Shared;
  if (a === 127) return PeerRefusal.Loopback;
  if (a === 169 && b === 254) return PeerRefusal.LinkLocal;
  if (a === 172 && (b & 0xf0) === 16) return PeerRefusal.Private;
  if (a === 192 && b === 168) return PeerRefusal.Private;
  if (a >= 224 && a < 240) return PeerRefusal.Multicast;
  if (v4 === 0xffffffff) return PeerRefusal.Broadcast;
  if (a >= 240) return PeerRefusal.Reserved;
  return undefined;
}

/**
 * The default refusal for an IPv6 address in big-endian words that carries no IPv4 address
 * (see `embeddedIpv4`), or `undefined` when allowed.
 */
export function ipv6Refusal(w: Uint32Array): PeerRefusal | undefined {
  const w0 = w[0];
  if (w0 === 0 && w[1] === 0 && w[2] === 0) {
    if (w[3] === 0) return PeerRefusal.Unspecified;
    if (w[3] === 1) return PeerRefusal.Loopback;
  }
  // The first group as a small positive number: masks on a full 32-bit word turn negative.
  const g0 = w0 >>> 16;
  if ((g0 & 0xffc0) === 0xfe80) return PeerRefusal.LinkLocal;
  if ((g0 & 0xffc0) === 0xfec0) return PeerRefusal.SiteLocal;
  if ((g0 & 0xfe00) === 0xfc00) return PeerRefusal.UniqueLocal;
  if (g0 >>> 8 === 0xff) return PeerRefusal.Multicast;
  if (w0 === 0x20010000) return PeerRefusal.Teredo;
  if (w0 === 0x0064ff9b && w[1] >>> 16 === 1) return PeerRefusal.Nat64Local;
  return undefined;
}
