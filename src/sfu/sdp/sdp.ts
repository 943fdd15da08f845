/**
 * Just enough SDP (RFC 8866) for an SFU: the media sections of an offer or answer with their
 * mid (RFC 8843 §9.1), direction, codecs (rtpmap/fmtp, RFC 8866 §6.6, rtcp-fb RFC 4585 §4.2),
 * header extensions (extmap, RFC 8285 §8), SSRCs (RFC 5576), msid (RFC 8830 §2) and RIDs
 * (RFC 8851, RFC 8853). Pure text processing; lines the SFU does not read are kept verbatim so a
 * section can be written back.
 */

export type MediaKind = 'audio' | 'video' | 'application';
/** Media direction attributes (RFC 8866 §6.7). */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** One payload format of a media section. */
export interface SdpCodec {
  readonly pt: number;
  /** encoding name as written ("opus", "VP8", "H264") */
  readonly name: string;
  readonly clockRate: number;
  readonly channels: number | undefined;
  readonly fmtp: string | undefined;
  readonly rtcpFb: readonly string[];
}

/** One `a=extmap` (RFC 8285 §8). */
export interface SdpExtmap {
  readonly id: number;
  readonly uri: string;
}

/** One media section (m= line and its attributes). */
export interface SdpMedia {
  readonly kind: MediaKind | string;
  readonly port: number;
  readonly protocol: string;
  readonly formats: readonly string[];
  readonly mid: string | undefined;
  readonly direction: Direction;
  readonly codecs: readonly SdpCodec[];
  readonly extmaps: readonly SdpExtmap[];
  readonly ssrcs: readonly number[];
  /** `a=ssrc-group:FID a b` etc. */
  readonly ssrcGroups: readonly { semantics: string; ssrcs: number[] }[];
  readonly msid: { readonly stream: string; readonly track: string } | undefined;
  readonly rids: readonly { id: string; direction: string }[];
  /** the section's lines after the m= line, verbatim */
  readonly lines: readonly string[];
}

/** A parsed session description. */
export interface Sdp {
  /** session-level lines, verbatim */
  readonly session: readonly string[];
  readonly media: readonly SdpMedia[];
}

const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

function attr(line: string): [string, string] | undefined {
  if (!line.startsWith('a=')) return undefined;
  const colon = line.indexOf(':');
  return colon < 0 ? [line.slice(2), ''] : [line.slice(2, colon), line.slice(colon + 1)];
}

function parseSection(mline: string, lines: string[]): SdpMedia {
  const parts = mline.slice(2).split(' ');
  const codecs = new Map<number, { pt: number; name: string; clockRate: number; channels?: number; fmtp?: string; rtcpFb: string[] }>();
  const codec = (pt: number) => {
    let c = codecs.get(pt);
    if (!c) codecs.set(pt, (c = { pt, name: '', clockRate: 0, rtcpFb: [] }));
    return c;
  };
  let mid: string | undefined;
  let direction: Direction = 'sendrecv';
  const extmaps: SdpExtmap[] = [];
  const ssrcs: number[] = [];
  const ssrcGroups: { semantics: string; ssrcs: number[] }[] = [];
  let msid: { stream: string; track: string } | undefined;
  const rids: { id: string; direction: string }[] = [];
  for (const line of lines) {
    const a = attr(line);
    if (!a) continue;
    const [key, value] = a;
    if (key === 'mid') mid = value;
    else if (DIRECTIONS.has(key)) direction = key as Direction;
    else if (key === 'rtpmap') {
      const m = /^(\d+) ([^/]+)\/(\d+)(?:\/(\d+))?/.exec(value);
      if (m) Object.assign(codec(Number(m[1])), { name: m[2], clockRate: Number(m[3]), channels: m[4] ? Number(m[4]) : undefined });
    } else if (key === 'fmtp') {
      const m = /^(\d+) (.*)$/.exec(value);
      if (m) codec(Number(m[1])).fmtp = m[2];
    } else if (key === 'rtcp-fb') {
      const m = /^(\d+|\*) (.*)$/.exec(value);
      if (m && m[1] !== '*') codec(Number(m[1])).rtcpFb.push(m[2]);
    } else if (key === 'extmap') {
      const m = /^(\d+)(?:\/\w+)? (\S+)/.exec(value);
      if (m) extmaps.push({ id: Number(m[1]), uri: m[2] });
    } else if (key === 'ssrc') {
      const s = Number(value.split(' ')[0]);
      if (Number.isInteger(s) && !ssrcs.includes(s)) ssrcs.push(s);
      const m = /^\d+ msid:(\S+) (\S+)/.exec(value);
      if (m && !msid) msid = { stream: m[1], track: m[2] };
    } else if (key === 'ssrc-group') {
      const [semantics, ...ids] = value.split(' ');
      ssrcGroups.push({ semantics, ssrcs: ids.map(Number) });
    } else if (key === 'msid') {
      const [stream, track] = value.split(' ');
      msid = { stream, track: track ?? stream };
    } else if (key === 'rid') {
      const [id, dir] = value.split(' ');
      rids.push({ id, direction: dir ?? '' });
    }
  }
  const formats = parts.slice(3);
  const ordered = formats.map(Number).filter((pt) => codecs.has(pt));
  return {
    kind: parts[0],
    port: Number(parts[1]),
    protocol: parts[2] ?? '',
    formats,
    mid,
    direction,
    codecs: ordered.map((pt) => {
      const c = codecs.get(pt)!;
      return { pt, name: c.name, clockRate: c.clockRate, channels: c.channels, fmtp: c.fmtp, rtcpFb: c.rtcpFb };
    }),
    extmaps,
    ssrcs,
    ssrcGroups,
    msid,
    rids,
    lines,
  };
}

/** Splits an SDP text into the session part and its media sections. */
export function parseSdp(text: string): Sdp {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const session: string[] = [];
  const media: SdpMedia[] = [];
  let mline: string | undefined;
  let body: string[] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) {
      if (mline) media.push(parseSection(mline, body));
      mline = line;
      body = [];
    } else if (mline) body.push(line);
    else session.push(line);
  }
  if (mline) media.push(parseSection(mline, body));
  return { session, media };
}

/** Writes session lines and sections (m= line + body) back as SDP text with CRLF endings. */
export function writeSdp(session: readonly string[], sections: readonly { mline: string; lines: readonly string[] }[]): string {
  const out = [...session];
  for (const s of sections) out.push(s.mline, ...s.lines);
  return out.join('\r\n') + '\r\n';
}

/** The m= line of a parsed section, with a port and format list of choice. */
export function mediaLine(m: SdpMedia, port: number, formats: readonly string[]): string {
  return `m=${m.kind} ${port} ${m.protocol} ${formats.join(' ')}`;
}
