/**
 * The SFU's answer to a publisher's offer on the native media path (RFC 8829 §5.3.1), written
 * by the SFU itself: ICE-lite (RFC 8445 §2.5) with its host candidates in the description, one
 * BUNDLE transport (RFC 8843), DTLS server unless the offer insists otherwise (RFC 8842 §5.2),
 * each audio/video section received (`a=recvonly`) with the forwardable codecs on the offered
 * payload types and no RTX, the header extensions the router reads, RID simulcast received
 * (RFC 8853 §5.3), and the data channel section (RFC 8841). Also describes, per section, what
 * was accepted, for the router.
 */
import type { Outcome } from '../types/outcome.ts';
import { forwardableCodec, transportCcUri, type CodecName } from '../sdp/codecs.ts';
import type { PublishedMedia } from '../sdp/publisher-offer.ts';
import { parseSdp, type SdpCodec, type SdpExtmap, type SdpMedia } from '../sdp/sdp.ts';
import { isIcePwd, isIceUfrag } from './ice-credentials.ts';
import {
  attribute,
  bundleGroup,
  candidateLines,
  readRemoteTransport,
  sdpCodecLines,
  sessionLines,
  transportLines,
  type DtlsRole,
  type LocalTransport,
  type RemoteTransport,
  type SessionVersion,
  type SetupRole,
} from './sdp-lines.ts';
import { answerDataSection, rejectedSection, type AcceptedData } from './sdp-sections.ts';
import { ACCEPTED_EXTENSIONS, extensionIds, type ExtensionIds } from './sdp-extensions.ts';

export type { AcceptedData } from './sdp-sections.ts';

/** RTCP feedback accepted on forwarded codecs (RFC 4585 §4.2, RFC 5104 §7.1; goog-remb, transport-cc). */
const ACCEPTED_FEEDBACK = ['nack', 'nack pli', 'ccm fir', 'goog-remb', 'transport-cc'];

/** One accepted audio/video section, as the router needs it. */
export interface AcceptedMedia extends PublishedMedia {
  /** `recvonly`, or `inactive` when the offer sends nothing in it */
  readonly direction: 'recvonly' | 'inactive';
  /** payload type → codec */
  readonly payloadTypes: ReadonlyMap<number, CodecName>;
  /** the accepted header extension ids, by what they carry */
  readonly extensionIds: ExtensionIds;
}

/** The answer and what it accepted. */
export interface PublisherAnswer {
  readonly sdp: string;
  /** audio/video sections that will receive media, in m= line order */
  readonly media: readonly AcceptedMedia[];
  readonly data: AcceptedData | undefined;
  /** accepted mids, the first being the BUNDLE tag */
  readonly bundle: readonly string[];
  /** mids answered with port 0 */
  readonly rejected: readonly string[];
  /** the publisher's ICE credentials and certificate fingerprints, for the ICE agent and DTLS */
  readonly remote: RemoteTransport;
  readonly dtlsRole: DtlsRole;
}

export interface PublisherAnswerOptions {
  readonly local: LocalTransport;
  readonly session: SessionVersion;
  /** refuse every audio/video section (ion-sfu `nopub`) */
  readonly noPublish?: boolean;
  /** accept transport-wide congestion control (extension and feedback); default true */
  readonly transportCc?: boolean;
}

/** Reads and checks the publisher's transport parameters (RFC 8839 §5.4, RFC 8122 §5, RFC 4145 §4). */
function remoteTransport(sdp: ReturnType<typeof parseSdp>): Outcome<{ remote: RemoteTransport; ourSetup: 'active' | 'passive' }> {
  const r = readRemoteTransport(sdp);
  if (r.ufrag === undefined || r.pwd === undefined || !isIceUfrag(r.ufrag) || !isIcePwd(r.pwd)) {
    return { ok: false, error: 'the offer has no valid ICE credentials (a=ice-ufrag, a=ice-pwd)' };
  }
  if (r.fingerprints.length === 0) return { ok: false, error: 'the offer has no certificate fingerprint (a=fingerprint)' };
  const setup = r.setup ?? 'actpass';
  if (setup !== 'actpass' && setup !== 'active' && setup !== 'passive') return { ok: false, error: `the offer has a=setup:${setup}` };
  // RFC 8842 §5.2: the answerer of actpass picks; the SFU prefers to be the DTLS server.
  const ourSetup = setup === 'passive' ? 'active' : 'passive';
  return { ok: true, value: { remote: { ice: { ufrag: r.ufrag, pwd: r.pwd }, fingerprints: r.fingerprints, setup }, ourSetup } };
}

/** The codecs kept from an offered section: forwardable ones, offered order, feedback narrowed. */
function keptCodecs(m: SdpMedia, transportCc: boolean): { name: CodecName; codec: SdpCodec }[] {
  return m.codecs.flatMap((c) => {
    const name = forwardableCodec(m.kind, c);
    if (!name) return [];
    const rtcpFb = c.rtcpFb.filter((fb) => ACCEPTED_FEEDBACK.includes(fb) && (transportCc || fb !== 'transport-cc'));
    return [{ name, codec: { ...c, rtcpFb } }];
  });
}

/** The send RIDs of a simulcast offer (RFC 8853 §5.1) and the answer's lines receiving them. */
function simulcastLines(m: SdpMedia): { rids: string[]; lines: string[] } {
  const send = m.rids.filter((r) => r.direction === 'send').map((r) => r.id);
  const sim = /^send (\S+)/.exec(attribute(m.lines, 'simulcast') ?? '');
  if (send.length === 0 || !sim) return { rids: [], lines: [] };
  // Alternatives (",") and paused streams ("~") are answered as offered, restricted to declared RIDs.
  const list = sim[1].split(';').filter((alt) => alt.split(',').every((id) => send.includes(id.replace(/^~/, ''))));
  if (list.length === 0) return { rids: [], lines: [] };
  const lines = send.map((id) => `a=rid:${id} recv`);
  lines.push(`a=simulcast:recv ${list.join(';')}`);
  return { rids: send, lines };
}

/** Primary SSRCs of a section (RTX and FEC repair SSRCs of RFC 5576 groups left out). */
function primarySsrcs(m: SdpMedia): number[] {
  const repair = new Set(m.ssrcGroups.filter((g) => g.semantics === 'FID' || g.semantics === 'FEC-FR').flatMap((g) => g.ssrcs.slice(1)));
  return m.ssrcs.filter((s) => !repair.has(s));
}

interface SectionContext {
  readonly local: LocalTransport;
  readonly setup: SetupRole;
  readonly transportCc: boolean;
}

/** Answers one audio/video section the SFU accepts. */
function answerMediaSection(m: SdpMedia & { mid: string }, kind: 'audio' | 'video', codecs: { name: CodecName; codec: SdpCodec }[], ctx: SectionContext): { lines: string[]; accepted: AcceptedMedia } {
  const extmaps: SdpExtmap[] = m.extmaps.filter((e) => ACCEPTED_EXTENSIONS.includes(e.uri) && (ctx.transportCc || e.uri !== transportCcUri) && e.id >= 1 && e.id <= 14);
  const direction = m.direction === 'sendonly' || m.direction === 'sendrecv' ? 'recvonly' : 'inactive';
  const simulcast = direction === 'recvonly' ? simulcastLines(m) : { rids: [], lines: [] };
  const lines = [
    `m=${kind} 9 ${m.protocol} ${codecs.map((c) => c.codec.pt).join(' ')}`,
    ...transportLines(ctx.local, ctx.setup),
    `a=mid:${m.mid}`,
    ...extmaps.map((e) => `a=extmap:${e.id} ${e.uri}`),
    `a=${direction}`,
    'a=rtcp-mux',
  ];
  if (attribute(m.lines, 'rtcp-rsize') !== undefined) lines.push('a=rtcp-rsize');
  for (const c of codecs) lines.push(...sdpCodecLines(c.codec, c.codec.rtcpFb));
  lines.push(...simulcast.lines, ...candidateLines(ctx.local.candidates));
  const accepted: AcceptedMedia = {
    mid: m.mid,
    kind,
    codecs,
    extmaps,
    ssrcs: primarySsrcs(m),
    streamId: m.msid?.stream === '-' ? undefined : m.msid?.stream,
    trackId: m.msid?.track,
    rids: simulcast.rids,
    direction,
    payloadTypes: new Map(codecs.map((c) => [c.codec.pt, c.name])),
    extensionIds: extensionIds(extmaps),
  };
  return { lines, accepted };
}

/** Whether an audio/video section can be received at all (RTP over DTLS-SRTP, muxed RTCP — RFC 5761, RFC 8843). */
function receivable(m: SdpMedia, inBundle: boolean): m is SdpMedia & { mid: string } {
  return m.port !== 0 && m.mid !== undefined && inBundle && /RTP\/S?AVPF?$/.test(m.protocol) && m.protocol.includes('TLS') && attribute(m.lines, 'rtcp-mux') !== undefined;
}

/**
 * Answers a publisher's offer (RFC 8829 §5.3.1). Sections the SFU cannot use are rejected with
 * port 0 (§5.3.1, RFC 8843 §7.3.3), so the publisher never sends what would be dropped. An
 * offer without ICE credentials or a certificate fingerprint is an error.
 */
export function answerPublisherOffer(offer: string, opts: PublisherAnswerOptions): Outcome<PublisherAnswer> {
  const sdp = parseSdp(offer);
  if (sdp.media.length === 0) return { ok: false, error: 'the offer has no media sections' };
  const transport = remoteTransport(sdp);
  if (!transport.ok) return transport;
  const { remote, ourSetup } = transport.value;
  const ctx: SectionContext = { local: opts.local, setup: ourSetup, transportCc: opts.transportCc ?? true };
  const offeredBundle = bundleGroup(sdp);
  const sections: string[][] = [];
  const media: AcceptedMedia[] = [];
  const bundle: string[] = [];
  const rejected: string[] = [];
  let data: AcceptedData | undefined;
  for (const m of sdp.media) {
    // One ICE-lite transport per connection: a section outside the offer's BUNDLE group could
    // only be used alone (RFC 8843 §7.3.3).
    const inBundle = m.mid !== undefined && (offeredBundle ? offeredBundle.includes(m.mid) : bundle.length === 0);
    let answered: string[] | undefined;
    if ((m.kind === 'audio' || m.kind === 'video') && !opts.noPublish && receivable(m, inBundle)) {
      const codecs = keptCodecs(m, ctx.transportCc);
      if (codecs.length > 0) {
        const a = answerMediaSection(m, m.kind, codecs, ctx);
        if (a.accepted.direction === 'recvonly') media.push(a.accepted);
        answered = a.lines;
      }
    } else if (m.kind === 'application' && inBundle && m.mid !== undefined) {
      const a = answerDataSection(m, m.mid, ctx.local, ctx.setup);
      if (a) {
        data = a.accepted;
        answered = a.lines;
      }
    }
    if (answered && m.mid !== undefined) bundle.push(m.mid);
    else if (m.mid !== undefined) rejected.push(m.mid);
    sections.push(answered ?? rejectedSection(m));
  }
  const text = [...sessionLines(opts.session, bundle), ...sections.flat()].join('\r\n') + '\r\n';
  const dtlsRole: DtlsRole = ourSetup === 'passive' ? 'server' : 'client';
  return { ok: true, value: { sdp: text, media, data, bundle, rejected, remote, dtlsRole } };
}
