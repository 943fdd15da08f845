/**
 * Which codec reads and writes each attribute type Turnpike knows (RFC 8489 §18.3 and the
 * TURN, NAT-behaviour-discovery, ICE, OAuth and mobility extensions listed in `types.ts`).
 * A type missing here is kept as raw bytes by the decoder.
 */
import { Attr, type AttributeValues, type KnownAttrType } from '../types.ts';
import { addressCodec } from './address.ts';
import { bytesCodec, fixedBytesCodec, messageIntegritySha256Codec } from './bytes.ts';
import type { AttributeCodec } from './codec.ts';
import { addressErrorCodeCodec, errorCodeCodec } from './error-code.ts';
import { flagCodec, uint16Codec, uint32Codec, uint64Codec } from './numeric.ts';
import { passwordAlgorithmCodec, passwordAlgorithmsCodec } from './password-algorithm.ts';
import {
  changeRequestCodec,
  evenPortCodec,
  familyCodec,
  icmpCodec,
  requestedTransportCodec,
  unknownAttributesCodec,
} from './structured.ts';
import { textCodec } from './text.ts';

/**
 * RFC 8489 §14.3 asks senders for fewer than 509 bytes of USERNAME; RFC 5389 §15.3 allowed
 * more, so up to 513 are accepted from older clients.
 */
const MAX_USERNAME_BYTES = 513;
/** RFC 8489 §14.9, §14.10, §14.14: "can be as long as 763 bytes when decoding". */
const MAX_TEXT_BYTES = 763;
/** RFC 8489 §14.16: ALTERNATE-DOMAIN is a domain name of at most 255 bytes. */
const MAX_DOMAIN_BYTES = 255;

/** Every known attribute type with its codec; the mapped type keeps each value type honest. */
const CODECS: { [K in KnownAttrType]: AttributeCodec<AttributeValues[K]> } = {
  [Attr.MappedAddress]: addressCodec('MAPPED-ADDRESS', false),
  [Attr.ChangeRequest]: changeRequestCodec,
  [Attr.Username]: textCodec('USERNAME', MAX_USERNAME_BYTES),
  [Attr.MessageIntegrity]: fixedBytesCodec('MESSAGE-INTEGRITY', 20),
  [Attr.ErrorCode]: errorCodeCodec,
  [Attr.UnknownAttributes]: unknownAttributesCodec,
  [Attr.ChannelNumber]: uint16Codec('CHANNEL-NUMBER', false),
  [Attr.Lifetime]: uint32Codec('LIFETIME'),
  [Attr.XorPeerAddress]: addressCodec('XOR-PEER-ADDRESS', true),
  [Attr.Data]: bytesCodec('DATA'),
  [Attr.Realm]: textCodec('REALM', MAX_TEXT_BYTES),
  [Attr.Nonce]: textCodec('NONCE', MAX_TEXT_BYTES),
  [Attr.XorRelayedAddress]: addressCodec('XOR-RELAYED-ADDRESS', true),
  [Attr.RequestedAddressFamily]: familyCodec('REQUESTED-ADDRESS-FAMILY'),
  [Attr.EvenPort]: evenPortCodec,
  [Attr.RequestedTransport]: requestedTransportCodec,
  [Attr.DontFragment]: flagCodec('DONT-FRAGMENT'),
  [Attr.AccessToken]: bytesCodec('ACCESS-TOKEN'),
  [Attr.MessageIntegritySha256]: messageIntegritySha256Codec,
  [Attr.PasswordAlgorithm]: passwordAlgorithmCodec,
  [Attr.Userhash]: fixedBytesCodec('USERHASH', 32),
  [Attr.XorMappedAddress]: addressCodec('XOR-MAPPED-ADDRESS', true),
  [Attr.ReservationToken]: fixedBytesCodec('RESERVATION-TOKEN', 8),
  [Attr.Priority]: uint32Codec('PRIORITY'),
  [Attr.UseCandidate]: flagCodec('USE-CANDIDATE'),
  [Attr.Padding]: bytesCodec('PADDING'),
  [Attr.ResponsePort]: uint16Codec('RESPONSE-PORT', true),
  [Attr.ConnectionId]: uint32Codec('CONNECTION-ID'),
  [Attr.AdditionalAddressFamily]: familyCodec('ADDITIONAL-ADDRESS-FAMILY'),
  [Attr.AddressErrorCode]: addressErrorCodeCodec,
  [Attr.PasswordAlgorithms]: passwordAlgorithmsCodec,
  [Attr.AlternateDomain]: textCodec('ALTERNATE-DOMAIN', MAX_DOMAIN_BYTES),
  [Attr.Icmp]: icmpCodec,
  [Attr.Software]: textCodec('SOFTWARE', MAX_TEXT_BYTES),
  [Attr.AlternateServer]: addressCodec('ALTERNATE-SERVER', false),
  [Attr.Fingerprint]: uint32Codec('FINGERPRINT'),
  [Attr.IceControlled]: uint64Codec('ICE-CONTROLLED'),
  [Attr.IceControlling]: uint64Codec('ICE-CONTROLLING'),
  [Attr.ResponseOrigin]: addressCodec('RESPONSE-ORIGIN', false),
  [Attr.OtherAddress]: addressCodec('OTHER-ADDRESS', false),
  [Attr.ThirdPartyAuthorization]: textCodec('THIRD-PARTY-AUTHORIZATION', 0xffff),
  [Attr.Origin]: textCodec('ORIGIN', 0xffff),
  [Attr.MobilityTicket]: bytesCodec('MOBILITY-TICKET'),
};

const byType = new Map<number, AttributeCodec<unknown>>();
for (const [type, codec] of Object.entries(CODECS)) byType.set(Number(type), codec as AttributeCodec<unknown>);

/** The codec of an attribute type, or undefined for a type this codec does not know. */
export function codecFor(type: number): AttributeCodec<unknown> | undefined {
  return byType.get(type);
}

/** True if `type` is one of the attribute types in `types.ts` (RFC 8489 §14 "understood"). */
export function isKnownAttribute(type: number): type is KnownAttrType {
  return byType.has(type);
}
