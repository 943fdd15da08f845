/**
 * IPv6 addresses that carry an IPv4 address inside them, and the IPv4 address each carries.
 * A host that routes one of these forms may deliver the packet to the embedded IPv4 address,
 * so any decision about an address must be taken on what it carries (RFC 6052 §2.2, RFC 8656 §21).
 */

/** The IPv6 forms that embed an IPv4 address, by the name a log reader will recognise. */
export const EmbeddedIpv4Form = {
  /** `::ffff:0:0/96`, RFC 4291 §2.5.5.2. */
  Mapped: 'ipv4-mapped',
  /** `::/96` (except `::` and `::1`), deprecated by RFC 4291 §2.5.5.1 but still routed by some stacks. */
  Compatible: 'ipv4-compatible',
  /** `::ffff:0:0:0/96`, RFC 2765 §2.1 (SIIT). */
  Translated: 'ipv4-translated',
  /** `64:ff9b::/96`, the NAT64 well-known prefix of RFC 6052 §2.1. */
  Nat64: 'nat64',
  /** `2002::/16`, 6to4 (RFC 3056 §2): the IPv4 address sits in bits 16-47. */
  SixToFour: '6to4',
} as const;
export type EmbeddedIpv4Form = (typeof EmbeddedIpv4Form)[keyof typeof EmbeddedIpv4Form];

/**
 * Returns the IPv4 address (an unsigned 32-bit number) that the IPv6 address in big-endian
 * words `w` carries in any `EmbeddedIpv4Form`, or -1 when it carries none.
 */
export function embeddedIpv4(w: Uint32Array): number {
  return embeddedIpv4Form(w) === undefined ? -1 : embeddedIpv4At(w);
}

/** Names the `EmbeddedIpv4Form` of the IPv6 address in words `w`, or `undefined`. */
export function embeddedIpv4Form(w: Uint32Array): EmbeddedIpv4Form | undefined {
  const w0 = w[0];
  if (w0 >>> 16 === 0x2002) return EmbeddedIpv4Form.SixToFour;
  if (w[1] !== 0) return undefined;
  if (w0 === 0x0064ff9b) return w[2] === 0 ? EmbeddedIpv4Form.Nat64 : undefined;
  if (w0 !== 0) return undefined;
  const w2 = w[2];
  if (w2 === 0xffff) return EmbeddedIpv4Form.Mapped;
  if (w2 === 0xffff0000) return EmbeddedIpv4Form.Translated;
  // `::` and `::1` are IPv6's own unspecified and loopback addresses (RFC 4291 §2.5.2-3).
  if (w2 === 0 && w[3] > 1) return EmbeddedIpv4Form.Compatible;
  return undefined;
}

/** The IPv4 address at the position its form puts it; only meaningful after `embeddedIpv4Form`. */
function embeddedIpv4At(w: Uint32Array): number {
  if (w[0] >>> 16 === 0x2002) return (((w[0] & 0xffff) << 16) | (w[1] >>> 16)) >>> 0;
  return w[3];
}
