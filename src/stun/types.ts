/**
 * The typed model of a STUN message (RFC 8489 §5) and of every attribute Turnpike
 * understands. Pure data: the codec in this folder turns bytes into these values and back.
 */

/** RFC 8489 §5: the fixed magic cookie in every STUN header. */
export const MAGIC_COOKIE = 0x2112a442;
/** RFC 8489 §5: header length in bytes. */
export const HEADER_LENGTH = 20;
/** RFC 8489 §5: transaction id length in bytes. */
export const TRANSACTION_ID_LENGTH = 12;

/** STUN methods (RFC 8489 §18.2, RFC 8656 §17, RFC 6062 §6.1). */
export const Method = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
  Connect: 0x00a,
  ConnectionBind: 0x00b,
  ConnectionAttempt: 0x00c,
} as const;
export type Method = number;

/** RFC 8489 §5: the two class bits. */
export const MessageClass = {
  Request: 0,
  Indication: 1,
  SuccessResponse: 2,
  ErrorResponse: 3,
} as const;
export type MessageClass = (typeof MessageClass)[keyof typeof MessageClass];

/** Attribute type codes (RFC 8489 §18.3, 8656 §18, 6062, 6156, 5780, 8016, 7635, 8445). */
export const Attr = {
  MappedAddress: 0x0001,
  ChangeRequest: 0x0003,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  ChannelNumber: 0x000c,
  Lifetime: 0x000d,
  XorPeerAddress: 0x0012,
  Data: 0x0013,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedAddressFamily: 0x0017,
  EvenPort: 0x0018,
  RequestedTransport: 0x0019,
  DontFragment: 0x001a,
  AccessToken: 0x001b,
  MessageIntegritySha256: 0x001c,
  PasswordAlgorithm: 0x001d,
  Userhash: 0x001e,
  XorMappedAddress: 0x0020,
  ReservationToken: 0x0022,
  Priority: 0x0024,
  UseCandidate: 0x0025,
  Padding: 0x0026,
  ResponsePort: 0x0027,
  ConnectionId: 0x002a,
  AdditionalAddressFamily: 0x8000,
  AddressErrorCode: 0x8001,
  PasswordAlgorithms: 0x8002,
  AlternateDomain: 0x8003,
  Icmp: 0x8004,
  Software: 0x8022,
  AlternateServer: 0x8023,
  Fingerprint: 0x8028,
  IceControlled: 0x8029,
  IceControlling: 0x802a,
  ResponseOrigin: 0x802b,
  OtherAddress: 0x802c,
  ThirdPartyAuthorization: 0x802e,
  Origin: 0x802f,
  MobilityTicket: 0x8030,
} as const;
export type AttrType = (typeof Attr)[keyof typeof Attr];

export type AddressFamily = 'IPv4' | 'IPv6';

/** A transport address: IP (canonical text form) and port. */
export interface TransportAddress {
  family: AddressFamily;
  /** Canonical text: dotted quad for IPv4, RFC 5952 compressed lower case for IPv6. */
  address: string;
  port: number;
}

export interface ErrorCodeValue {
  /** 300..699 */
  code: number;
  reason: string;
}

/** RFC 8656 §18.12 */
export interface AddressErrorCodeValue {
  family: AddressFamily;
  code: number;
  reason: string;
}

/** RFC 5780 §7.2 */
export interface ChangeRequestValue {
  changeIp: boolean;
  changePort: boolean;
}

/** RFC 8656 §18.7: the R bit. */
export interface EvenPortValue {
  reserveNext: boolean;
}

/** RFC 8489 §18.5 / §18.6 */
export interface PasswordAlgorithmValue {
  /** 0x0001 MD5, 0x0002 SHA-256 */
  algorithm: number;
  parameters: Uint8Array;
}

/** RFC 8656 §18.13 */
export interface IcmpValue {
  type: number;
  code: number;
  /** the 32-bit error data field */
  data: number;
}

/** Value type of each known attribute. Empty-valued flags use `true`. */
export interface AttributeValues {
  [Attr.MappedAddress]: TransportAddress;
  [Attr.ChangeRequest]: ChangeRequestValue;
  [Attr.Username]: string;
  [Attr.MessageIntegrity]: Uint8Array;
  [Attr.ErrorCode]: ErrorCodeValue;
  [Attr.UnknownAttributes]: number[];
  [Attr.ChannelNumber]: number;
  [Attr.Lifetime]: number;
  [Attr.XorPeerAddress]: TransportAddress;
  [Attr.Data]: Uint8Array;
  [Attr.Realm]: string;
  [Attr.Nonce]: string;
  [Attr.XorRelayedAddress]: TransportAddress;
  [Attr.RequestedAddressFamily]: AddressFamily;
  [Attr.EvenPort]: EvenPortValue;
  /** IANA protocol number: 17 UDP, 6 TCP */
  [Attr.RequestedTransport]: number;
  [Attr.DontFragment]: true;
  [Attr.AccessToken]: Uint8Array;
  [Attr.MessageIntegritySha256]: Uint8Array;
  [Attr.PasswordAlgorithm]: PasswordAlgorithmValue;
  [Attr.Userhash]: Uint8Array;
  [Attr.XorMappedAddress]: TransportAddress;
  /** 8 bytes */
  [Attr.ReservationToken]: Uint8Array;
  [Attr.Priority]: number;
  [Attr.UseCandidate]: true;
  [Attr.Padding]: Uint8Array;
  [Attr.ResponsePort]: number;
  [Attr.ConnectionId]: number;
  [Attr.AdditionalAddressFamily]: AddressFamily;
  [Attr.AddressErrorCode]: AddressErrorCodeValue;
  [Attr.PasswordAlgorithms]: PasswordAlgorithmValue[];
  [Attr.AlternateDomain]: string;
  [Attr.Icmp]: IcmpValue;
  [Attr.Software]: string;
  [Attr.AlternateServer]: TransportAddress;
  [Attr.Fingerprint]: number;
  /** 64-bit tie-breaker */
  [Attr.IceControlled]: bigint;
  [Attr.IceControlling]: bigint;
  [Attr.ResponseOrigin]: TransportAddress;
  [Attr.OtherAddress]: TransportAddress;
  [Attr.ThirdPartyAuthorization]: string;
  [Attr.Origin]: string;
  [Attr.MobilityTicket]: Uint8Array;
}

export type KnownAttrType = keyof AttributeValues;

/** A known attribute with its typed value. */
export type KnownAttribute = { [K in KnownAttrType]: { type: K; value: AttributeValues[K] } }[KnownAttrType];

/** An attribute this codec has no type for: kept as raw bytes so it can be reported or re-encoded. */
export interface UnknownAttribute {
  type: number;
  value: Uint8Array;
  unknown: true;
}

export type StunAttribute = KnownAttribute | UnknownAttribute;

/** A STUN message (RFC 8489 §5–6). */
export interface StunMessage {
  method: Method;
  class: MessageClass;
  /** 12 bytes, chosen by the caller */
  transactionId: Uint8Array;
  /** In wire order. MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT appear here when decoded. */
  attributes: StunAttribute[];
}

/**
 * What `decodeMessage` keeps of the original bytes so integrity can be checked once the
 * key is known (the key depends on USERNAME and REALM, so it is not known at decode time).
 */
export interface DecodedStunMessage extends StunMessage {
  /** the whole datagram / frame as received */
  raw: Uint8Array;
  /** offset of the MESSAGE-INTEGRITY attribute header, or -1 */
  integrityOffset: number;
  /** offset of the MESSAGE-INTEGRITY-SHA256 attribute header, or -1 */
  integritySha256Offset: number;
  /** true when a FINGERPRINT attribute was present (and matched: a mismatch is a decode error) */
  hasFingerprint: boolean;
}

/** Why decoding failed. Stable strings, safe to count in metrics. */
export const DECODE_ERROR_REASONS = [
  'too-short',
  'not-stun',
  'bad-cookie',
  'length-not-multiple-of-4',
  'length-mismatch',
  'attribute-overrun',
  'attribute-bad-length',
  'attribute-bad-value',
  'attribute-too-long',
  'attribute-after-integrity',
  'attribute-after-fingerprint',
  'fingerprint-mismatch',
  'channel-data-bad-channel',
  'channel-data-overrun',
] as const;
export type DecodeErrorReason = (typeof DECODE_ERROR_REASONS)[number];

/** A decoding failure: the reason, the byte offset where it was found, and a human text. */
export interface DecodeError {
  reason: DecodeErrorReason;
  offset: number;
  detail: string;
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: DecodeError };

/** RFC 8656 §12.4: a ChannelData message. `data` is a view into the input, not a copy. */
export interface ChannelData {
  channelNumber: number;
  data: Uint8Array;
}
