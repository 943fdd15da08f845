/** fast-check generators of typed STUN attributes and messages, for the property tests. */
import { SocketAddress } from 'node:net';
import fc from 'fast-check';
import {
  Attr,
  type AddressFamily,
  type KnownAttrType,
  type StunAttribute,
  type StunMessage,
  type TransportAddress,
} from '../../src/stun/index.ts';

/** Attributes encodeMessage computes from its options rather than copying. */
export const COMPUTED = new Set<number>([Attr.MessageIntegrity, Attr.MessageIntegritySha256, Attr.Fingerprint]);
const KNOWN = new Set<number>(Object.values(Attr));

/** fc.record with ordinary objects: decoded values have Object.prototype, and deepStrictEqual checks it. */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
}

const ipv6Text = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  const full = Array.from({ length: 8 }, (_, i) => ((b[2 * i] << 8) | b[2 * i + 1]).toString(16)).join(':');
  // Canonical text from the socket layer, independent of the codec's own formatter.
  return new SocketAddress({ address: full, family: 'ipv6' }).address;
});
const port = fc.integer({ min: 0, max: 0xffff });
const address: fc.Arbitrary<TransportAddress> = fc.oneof(
  rec({ family: fc.constant<AddressFamily>('IPv4'), address: fc.ipV4(), port }),
  rec({ family: fc.constant<AddressFamily>('IPv6'), address: ipv6Text, port }),
);
const family = fc.constantFrom<AddressFamily>('IPv4', 'IPv6');
const text = (maxBytes: number) =>
  fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => Buffer.byteLength(s, 'utf8') <= maxBytes);
const bytes = (maxLength = 40) => fc.uint8Array({ maxLength });
const fixed = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const errorCode = rec({ code: fc.integer({ min: 300, max: 699 }), reason: text(763) });
const passwordAlgorithm = rec({ algorithm: u16, parameters: bytes(12) });

/** A generator of the value of each attribute type the encoder copies from the message. */
const VALUES: { [K in KnownAttrType]?: fc.Arbitrary<unknown> } = {
  [Attr.MappedAddress]: address,
  [Attr.ChangeRequest]: rec({ changeIp: fc.boolean(), changePort: fc.boolean() }),
  [Attr.Username]: text(513),
  [Attr.ErrorCode]: errorCode,
  [Attr.UnknownAttributes]: fc.array(u16, { maxLength: 7 }),
  [Attr.ChannelNumber]: u16,
  [Attr.Lifetime]: u32,
  [Attr.XorPeerAddress]: address,
  [Attr.Data]: bytes(),
  [Attr.Realm]: text(763),
  [Attr.Nonce]: text(763),
  [Attr.XorRelayedAddress]: address,
  [Attr.RequestedAddressFamily]: family,
  [Attr.EvenPort]: rec({ reserveNext: fc.boolean() }),
  [Attr.RequestedTransport]: fc.integer({ min: 0, max: 255 }),
  [Attr.DontFragment]: fc.constant(true),
  [Attr.AccessToken]: bytes(),
  [Attr.PasswordAlgorithm]: passwordAlgorithm,
  [Attr.Userhash]: fixed(32),
  [Attr.XorMappedAddress]: address,
  [Attr.ReservationToken]: fixed(8),
  [Attr.Priority]: u32,
  [Attr.UseCandidate]: fc.constant(true),
  [Attr.Padding]: bytes(),
  [Attr.ResponsePort]: u16,
  [Attr.ConnectionId]: u32,
  [Attr.AdditionalAddressFamily]: family,
  [Attr.AddressErrorCode]: rec({ family, code: fc.integer({ min: 300, max: 699 }), reason: text(763) }),
  [Attr.PasswordAlgorithms]: fc.array(passwordAlgorithm, { maxLength: 4 }),
  [Attr.AlternateDomain]: text(255),
  [Attr.Icmp]: rec({ type: fc.integer({ min: 0, max: 127 }), code: fc.integer({ min: 0, max: 511 }), data: u32 }),
  [Attr.Software]: text(763),
  [Attr.AlternateServer]: address,
  [Attr.IceControlled]: u64,
  [Attr.IceControlling]: u64,
  [Attr.ResponseOrigin]: address,
  [Attr.OtherAddress]: address,
  [Attr.ThirdPartyAuthorization]: text(0xffff),
  [Attr.Origin]: text(0xffff),
  [Attr.MobilityTicket]: bytes(),
};

/** Every known type except the computed ones has a generator (checked by the tests). */
export const GENERATED_TYPES = Object.keys(VALUES).map(Number);

const knownAttribute = fc.oneof(
  ...Object.entries(VALUES).map(([type, value]) => value!.map((v) => ({ type: Number(type), value: v }) as StunAttribute)),
);
const unknownAttribute: fc.Arbitrary<StunAttribute> = rec({
  type: u16.filter((t) => !KNOWN.has(t)),
  value: bytes(),
  unknown: fc.constant(true as const),
});

/** Any attribute encodeMessage copies: typed known ones and raw unknown ones. */
export const attribute: fc.Arbitrary<StunAttribute> = fc.oneof({ arbitrary: knownAttribute, weight: 5 }, { arbitrary: unknownAttribute, weight: 1 });

/** Any STUN message without the computed integrity and fingerprint attributes. */
export const message: fc.Arbitrary<StunMessage> = rec({
  method: fc.integer({ min: 0, max: 0xfff }),
  class: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<0 | 1 | 2 | 3>,
  transactionId: fixed(12),
  attributes: fc.array(attribute, { maxLength: 10 }),
});

/** Any combination of the encoder's integrity and fingerprint options. */
export const encodeOptions = fc.record(
  { integrityKey: bytes(32), integritySha256Key: bytes(32), fingerprint: fc.boolean() },
  { requiredKeys: [], noNullPrototype: true },
);

/** The types every known attribute code has, for completeness checks. */
export const ALL_KNOWN_TYPES = [...KNOWN];
