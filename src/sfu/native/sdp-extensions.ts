/**
 * The RTP header extensions (RFC 8285) the native media path reads or writes, and the ids a
 * description gave them. One-byte headers only (ids 1–14, RFC 8285 §4.2): the SFU does not
 * offer or accept `a=extmap-allow-mixed`.
 */
import { ExtensionUri, transportCcUri } from '../sdp/codecs.ts';
import type { SdpExtmap } from '../sdp/sdp.ts';

/**
 * Extensions accepted from publishers: MID and RID to sort packets into sections and simulcast
 * layers (RFC 8843 §15, RFC 8852 §3), audio level (RFC 6464), transport-wide sequence numbers and
 * absolute send time for bandwidth estimation. Not repaired-rtp-stream-id: without RTX the
 * publisher sends none.
 */
export const ACCEPTED_EXTENSIONS: readonly string[] = [
  ExtensionUri.mid,
  ExtensionUri.rid,
  ExtensionUri.audioLevel,
  transportCcUri,
  ExtensionUri.absSendTime,
];

/** Accepted extension ids by what they carry; undefined when not negotiated. */
export interface ExtensionIds {
  readonly mid: number | undefined;
  readonly rid: number | undefined;
  readonly audioLevel: number | undefined;
  readonly transportCc: number | undefined;
  readonly absSendTime: number | undefined;
}

/** The ids of the known extensions among `extmaps`. */
export function extensionIds(extmaps: readonly SdpExtmap[]): ExtensionIds {
  const id = (uri: string) => extmaps.find((e) => e.uri === uri)?.id;
  return {
    mid: id(ExtensionUri.mid),
    rid: id(ExtensionUri.rid),
    audioLevel: id(ExtensionUri.audioLevel),
    transportCc: id(transportCcUri),
    absSendTime: id(ExtensionUri.absSendTime),
  };
}

/**
 * What the SFU offers subscribers on the native path: the same id for a URI in every section (a
 * BUNDLE group shares one id space, RFC 8843 §9.2). Audio keeps its level for the subscriber's
 * mixer; MID lets the subscriber sort packets without SSRC signalling.
 */
export const NATIVE_SUBSCRIBER_EXTENSIONS: { readonly audio: readonly SdpExtmap[]; readonly video: readonly SdpExtmap[] } = {
  audio: [
    { id: 1, uri: ExtensionUri.audioLevel },
    { id: 2, uri: ExtensionUri.absSendTime },
    { id: 3, uri: transportCcUri },
    { id: 4, uri: ExtensionUri.mid },
  ],
  video: [
    { id: 2, uri: ExtensionUri.absSendTime },
    { id: 3, uri: transportCcUri },
    { id: 4, uri: ExtensionUri.mid },
  ],
};
