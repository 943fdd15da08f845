/**
 * Narrowing a publisher's offer (RFC 8829 §5.3: the answerer may accept a subset of codecs)
 * before the WebRTC stack answers it, and describing what the publisher will send: per media
 * section its mid, kind, forwardable codecs, header extensions, SSRCs, msid and RIDs.
 */
import { forwardableCodec, keptFeedback, publisherExtensions, transportCcUri, type CodecName } from './codecs.ts';
import { mediaLine, parseSdp, writeSdp, type SdpCodec, type SdpExtmap, type SdpMedia } from './sdp.ts';

/** One media section a publisher sends, as the SFU will receive it. */
export interface PublishedMedia {
  readonly mid: string;
  readonly kind: 'audio' | 'video';
  readonly codecs: readonly { readonly name: CodecName; readonly codec: SdpCodec }[];
  readonly extmaps: readonly SdpExtmap[];
  /** primary SSRCs (RTX/FEC ones removed) */
  readonly ssrcs: readonly number[];
  readonly streamId: string | undefined;
  readonly trackId: string | undefined;
  /** simulcast RIDs the publisher sends (RFC 8851), empty when none */
  readonly rids: readonly string[];
}

/** A narrowed publisher offer and what it will send. */
export interface FilteredOffer {
  readonly sdp: string;
  readonly media: readonly PublishedMedia[];
  /** mids of RID-simulcast sections refused because the connection has other media sections */
  readonly refusedSimulcast: readonly string[];
}

function secondarySsrcs(m: SdpMedia): Set<number> {
  const out = new Set<number>();
  for (const g of m.ssrcGroups) if (g.semantics === 'FID' || g.semantics === 'FEC-FR') g.ssrcs.slice(1).forEach((s) => out.add(s));
  return out;
}

function keepLine(line: string, keptPts: Set<number>, dropSsrcs: Set<number>, allPts: Set<number>, transportCc: boolean): boolean {
  const m = /^a=(rtpmap|fmtp|rtcp-fb):(\d+|\*) ?(.*)$/.exec(line);
  if (m) {
    if (m[2] !== '*' && allPts.has(Number(m[2])) && !keptPts.has(Number(m[2]))) return false;
    return m[1] !== 'rtcp-fb' || keptFeedback(m[3], transportCc);
  }
  const ext = /^a=extmap:\d+(?:\/\w+)? (\S+)/.exec(line);
  if (ext) return publisherExtensions.has(ext[1]) || (transportCc && ext[1] === transportCcUri);
  if (line.startsWith('a=ssrc-group:FID') || line.startsWith('a=ssrc-group:FEC-FR')) return false;
  const ssrc = /^a=ssrc:(\d+)/.exec(line);
  if (ssrc) return !dropSsrcs.has(Number(ssrc[1]));
  return true;
}

/**
 * Removes codecs, feedback and extensions the SFU does not forward, and RTX/FEC SSRCs. A media
 * section with nothing forwardable (or every media section, with `noPublish`), and a RID
 * simulcast section next to other media sections (see `refusedSimulcast`; unless the transport
 * `demuxByMid`, as the native media path does), gets port 0, so the
 * answer rejects it (RFC 8829 §5.3.1) instead of accepting media that would never arrive. With
 * `transportCc` (a transport that reports arrivals back), `transport-cc` feedback and the
 * transport-wide sequence number extension stay.
 */
export function filterPublisherOffer(text: string, opts: { readonly noPublish: boolean; readonly demuxByMid?: boolean; readonly transportCc?: boolean }): FilteredOffer {
  const transportCc = opts.transportCc === true;
  const sdp = parseSdp(text);
  const media: PublishedMedia[] = [];
  const refusedSimulcast: string[] = [];
  // The WebRTC stack demultiplexes by the SSRCs an offer lists, or sends everything to the only
  // media section there is. RID simulcast lists no SSRCs, so it can only be received alone.
  const mediaSections = sdp.media.filter((m) => m.kind === 'audio' || m.kind === 'video').length;
  const sections = sdp.media.map((m) => {
    if (m.kind !== 'audio' && m.kind !== 'video') return { mline: mediaLine(m, m.port, m.formats), lines: m.lines };
    const kept = m.codecs.flatMap((codec) => {
      const name = forwardableCodec(m.kind, codec);
      return name ? [{ name, codec }] : [];
    });
    const keptPts = new Set(kept.map((k) => k.codec.pt));
    const allPts = new Set(m.formats.map(Number));
    const drop = secondarySsrcs(m);
    const unreceivable = !opts.demuxByMid && mediaSections > 1 && m.rids.length > 0 && m.ssrcs.length === 0 && m.port !== 0;
    if (unreceivable && m.mid !== undefined) refusedSimulcast.push(m.mid);
    const rejected = opts.noPublish || kept.length === 0 || m.port === 0 || unreceivable;
    const formats = kept.length > 0 ? kept.map((k) => String(k.codec.pt)) : m.formats;
    const lines = m.lines.filter((l) => keepLine(l, keptPts, drop, allPts, transportCc));
    if (!rejected && m.mid !== undefined && (m.direction === 'sendonly' || m.direction === 'sendrecv')) {
      media.push({
        mid: m.mid,
        kind: m.kind,
        codecs: kept,
        extmaps: m.extmaps.filter((e) => publisherExtensions.has(e.uri) || (transportCc && e.uri === transportCcUri)),
        ssrcs: m.ssrcs.filter((s) => !drop.has(s)),
        streamId: m.msid?.stream === '-' ? undefined : m.msid?.stream,
        trackId: m.msid?.track,
        rids: m.rids.filter((r) => r.direction === 'send').map((r) => r.id),
      });
    }
    return { mline: mediaLine(m, rejected ? 0 : m.port, formats), lines };
  });
  return { sdp: writeSdp(sdp.session, sections), media, refusedSimulcast };
}

/**
 * The WebRTC stack echoes the offer's `a=rid:<id> send` / `a=simulcast:send` lines into its answer;
 * an answer must state the receive direction (RFC 8853 §5.3), so they are flipped before the
 * publisher sees the answer.
 */
export function fixPublisherAnswer(answer: string): string {
  return answer.replace(/^a=rid:(\S+) send/gm, 'a=rid:$1 recv').replace(/^a=simulcast:send /gm, 'a=simulcast:recv ');
}

/** What a subscriber's answer says about each media section: accepted or not, and the extensions kept. */
export interface AnsweredMedia {
  readonly mid: string;
  readonly accepted: boolean;
  readonly extmaps: readonly SdpExtmap[];
  readonly pts: readonly number[];
}

/** Reads a subscriber's answer (RFC 8829 §5.3). */
export function readSubscriberAnswer(text: string): AnsweredMedia[] {
  return parseSdp(text).media.flatMap((m) =>
    m.mid === undefined || (m.kind !== 'audio' && m.kind !== 'video')
      ? []
      : [{ mid: m.mid, accepted: m.port !== 0 && m.direction !== 'inactive', extmaps: m.extmaps, pts: m.codecs.map((c) => c.pt) }],
  );
}
