/**
 * The SFU's offers to a subscriber on the native media path (RFC 8829 §5.2), and reading the
 * subscriber's answer (§5.3 from the other side). Each down-track is a `sendonly` section with
 * one codec on the payload type the room assigned, its SSRC and CNAME (RFC 5576, RFC 7022), its
 * msid (RFC 8830) and the header extensions the SFU writes; the data channel section carries
 * the `ion-sfu` API channel and fanned-out channels. Sections of removed tracks stay, with port 0,
 * so later offers keep every m= line in place and no mid is given to another track (§5.2.2).
 */
import type { SendTrackSpec } from '../transport/types.ts';
import type { Outcome } from '../types/outcome.ts';
import type { AnsweredMedia } from '../sdp/publisher-offer.ts';
import { parseSdp } from '../sdp/sdp.ts';
import { isIcePwd, isIceUfrag } from './ice-credentials.ts';
import {
  candidateLines,
  codecLines,
  readRemoteTransport,
  sessionLines,
  transportLines,
  type DtlsRole,
  type LocalTransport,
  type RemoteTransport,
  type SessionVersion,
  type SetupRole,
} from './sdp-lines.ts';
import { dataSectionLines, readDataSection, type AcceptedData } from './sdp-sections.ts';

/** One m= section of a subscriber offer, in m= line order. */
export type SubscriberSection =
  | { readonly kind: 'media'; readonly spec: SendTrackSpec }
  /** a removed track's section: written with port 0 and `a=inactive` */
  | { readonly kind: 'closed'; readonly spec: SendTrackSpec }
  | { readonly kind: 'data'; readonly mid: string };

export interface SubscriberOfferOptions {
  readonly local: LocalTransport;
  readonly session: SessionVersion;
  readonly sections: readonly SubscriberSection[];
  /** RFC 8842 §5.2: `actpass` (the default) lets the subscriber pick its DTLS role */
  readonly setup?: SetupRole;
}

const RTP_PROTOCOL = 'UDP/TLS/RTP/SAVPF';

/** A down-track's section (RFC 8829 §5.2.1). */
function mediaSection(spec: SendTrackSpec, local: LocalTransport, setup: SetupRole): string[] {
  const c = spec.codec;
  return [
    `m=${c.kind} 9 ${RTP_PROTOCOL} ${c.pt}`,
    ...transportLines(local, setup),
    `a=mid:${spec.mid}`,
    ...spec.extmaps.map((e) => `a=extmap:${e.id} ${e.uri}`),
    'a=sendonly',
    `a=msid:${spec.streamId} ${spec.trackId}`,
    'a=rtcp-mux',
    'a=rtcp-rsize',
    ...codecLines(c.pt, c.name, c.clockRate, c.channels, c.rtcpFb, c.fmtp),
    `a=ssrc:${spec.ssrc} cname:${spec.cname}`,
    `a=ssrc:${spec.ssrc} msid:${spec.streamId} ${spec.trackId}`,
    ...candidateLines(local.candidates),
  ];
}

/** A removed track's section (RFC 8829 §5.2.2): port 0, kept in place, outside the BUNDLE group. */
function closedSection(spec: SendTrackSpec): string[] {
  const c = spec.codec;
  return [
    `m=${c.kind} 0 ${RTP_PROTOCOL} ${c.pt}`,
    'c=IN IP4 0.0.0.0',
    `a=mid:${spec.mid}`,
    'a=inactive',
    ...codecLines(c.pt, c.name, c.clockRate, c.channels, [], c.fmtp),
  ];
}

function sectionMid(s: SubscriberSection): string {
  return s.kind === 'data' ? s.mid : s.spec.mid;
}

/** Writes an offer to a subscriber: ICE-lite, one BUNDLE group of every open section. */
export function writeSubscriberOffer(opts: SubscriberOfferOptions): string {
  const setup = opts.setup ?? 'actpass';
  const bundle = opts.sections.filter((s) => s.kind !== 'closed').map(sectionMid);
  const lines = sessionLines(opts.session, bundle);
  for (const s of opts.sections) {
    if (s.kind === 'media') lines.push(...mediaSection(s.spec, opts.local, setup));
    else if (s.kind === 'closed') lines.push(...closedSection(s.spec));
    else lines.push(...dataSectionLines(s.mid, opts.local, setup));
  }
  return lines.join('\r\n') + '\r\n';
}

/** What a subscriber's answer settles. */
export interface SubscriberAnswer {
  readonly remote: RemoteTransport;
  /** the SFU's DTLS role: the answer's `a=setup:active` makes the SFU the server (RFC 8842 §5.2) */
  readonly dtlsRole: DtlsRole;
  /** per audio/video section: accepted or not, the extension ids and payload types kept */
  readonly media: readonly AnsweredMedia[];
  readonly data: AcceptedData | undefined;
}

/** Reads a subscriber's answer to `writeSubscriberOffer` (RFC 8829 §5.3, from the offerer's side). */
export function parseSubscriberAnswer(answer: string): Outcome<SubscriberAnswer> {
  const sdp = parseSdp(answer);
  const r = readRemoteTransport(sdp);
  if (r.ufrag === undefined || r.pwd === undefined || !isIceUfrag(r.ufrag) || !isIcePwd(r.pwd)) {
    return { ok: false, error: 'the answer has no valid ICE credentials (a=ice-ufrag, a=ice-pwd)' };
  }
  if (r.fingerprints.length === 0) return { ok: false, error: 'the answer has no certificate fingerprint (a=fingerprint)' };
  // RFC 8842 §5.2: an answer to actpass says active or passive; active is the default (RFC 4145 §4).
  const setup = r.setup ?? 'active';
  if (setup !== 'active' && setup !== 'passive') return { ok: false, error: `the answer has a=setup:${setup}` };
  const media = sdp.media.flatMap((m): AnsweredMedia[] =>
    m.mid === undefined || (m.kind !== 'audio' && m.kind !== 'video')
      ? []
      : [{ mid: m.mid, accepted: m.port !== 0 && m.direction !== 'inactive', extmaps: m.extmaps, pts: m.codecs.map((c) => c.pt) }],
  );
  const app = sdp.media.find((m) => m.kind === 'application');
  return {
    ok: true,
    value: {
      remote: { ice: { ufrag: r.ufrag, pwd: r.pwd }, fingerprints: r.fingerprints, setup },
      dtlsRole: setup === 'active' ? 'server' : 'client',
      media,
      data: app ? readDataSection(app) : undefined,
    },
  };
}
