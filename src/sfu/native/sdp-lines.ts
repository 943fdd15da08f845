/**
 * The pieces every description the SFU writes on its native path shares (RFC 8829 JSEP, RFC 8866
 * SDP): the session header of an ICE-lite endpoint, the transport lines of each media section
 * (ICE credentials RFC 8839 §5.4, DTLS fingerprint and role RFC 8122 / RFC 8842, host candidates
 * RFC 8839 §5.1), codec lines (RFC 8866 §6.6, RFC 4585 §4.2), and reading the same back from the
 * peer's description. Pure text.
 */
import type { Sdp, SdpCodec, SdpMedia } from '../sdp/sdp.ts';
import type { IceCredentials } from './ice-credentials.ts';

/** A certificate fingerprint (RFC 8122 §5): hash name and colon-separated upper-case hex. */
export interface DtlsFingerprint {
  /** "sha-256" */
  readonly algorithm: string;
  readonly value: string;
}

/** A local address ICE-lite answers checks on (RFC 8445 §5.1.1.1 host candidate). */
export interface HostCandidate {
  readonly address: string;
  readonly port: number;
}

/** What this end puts in each media section: ICE credentials, certificate, candidates. */
export interface LocalTransport {
  readonly ice: IceCredentials;
  readonly fingerprint: DtlsFingerprint;
  readonly candidates: readonly HostCandidate[];
}

/** `o=` line values (RFC 8866 §5.2): the id stays, the version grows with every new description. */
export interface SessionVersion {
  /** decimal digits, at most 19 (JSEP §5.2.1: a 64-bit value under 2^63) */
  readonly id: string;
  readonly version: number;
}

/** RFC 4145 §4: the connection roles of `a=setup`. */
export type SetupRole = 'actpass' | 'active' | 'passive';

/** Which DTLS side this end takes (RFC 8842 §5: active = client, passive = server). */
export type DtlsRole = 'client' | 'server';

/** The peer's transport parameters, read from its description. */
export interface RemoteTransport {
  readonly ice: IceCredentials;
  readonly fingerprints: readonly DtlsFingerprint[];
  readonly setup: SetupRole | undefined;
}

/** Session lines of an ICE-lite description (RFC 8445 §5.3: `a=ice-lite` is session level). */
export function sessionLines(session: SessionVersion, bundle: readonly string[]): string[] {
  const lines = ['v=0', `o=- ${session.id} ${session.version} IN IP4 0.0.0.0`, 's=-', 't=0 0', 'a=ice-lite'];
  // RFC 8843 §7.1: the group lists the bundled mids, the first being the tagged section.
  if (bundle.length > 0) lines.push(`a=group:BUNDLE ${bundle.join(' ')}`);
  lines.push('a=msid-semantic: WMS *');
  return lines;
}

/**
 * The connection line and ICE/DTLS attributes of a section. Port 9 and 0.0.0.0 as JSEP §5.2.1
 * writes them: the candidates say where to go.
 */
export function transportLines(local: LocalTransport, setup: SetupRole): string[] {
  return [
    'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${local.ice.ufrag}`,
    `a=ice-pwd:${local.ice.pwd}`,
    `a=fingerprint:${local.fingerprint.algorithm} ${local.fingerprint.value}`,
    `a=setup:${setup}`,
  ];
}

/** RFC 8445 §5.1.2.1: type preference 126 (host), local preference falling per address, component 1. */
function hostPriority(index: number): number {
  return 126 * 2 ** 24 + (65535 - index) * 2 ** 8 + 255;
}

/** Host candidates (RFC 8839 §5.1), one per local address, then `a=end-of-candidates` (§5.2: a lite agent gathers nothing more). */
export function candidateLines(candidates: readonly HostCandidate[]): string[] {
  const lines = candidates.map((c, i) => `a=candidate:${i + 1} 1 udp ${hostPriority(i)} ${c.address} ${c.port} typ host`);
  lines.push('a=end-of-candidates');
  return lines;
}

const RTPMAP_NAMES: Record<string, string> = { opus: 'opus', vp8: 'VP8', vp9: 'VP9', h264: 'H264' };

/** `a=rtpmap`, `a=rtcp-fb` and `a=fmtp` of one codec (RFC 8866 §6.6, §6.15; RFC 4585 §4.2). */
export function codecLines(pt: number, name: string, clockRate: number, channels: number | undefined, rtcpFb: readonly string[], fmtp: string | undefined): string[] {
  const encoding = RTPMAP_NAMES[name.toLowerCase()] ?? name;
  const lines = [`a=rtpmap:${pt} ${encoding}/${clockRate}${channels !== undefined ? `/${channels}` : ''}`];
  for (const fb of rtcpFb) lines.push(`a=rtcp-fb:${pt} ${fb}`);
  if (fmtp !== undefined && fmtp.length > 0) lines.push(`a=fmtp:${pt} ${fmtp}`);
  return lines;
}

/** `codecLines` for a parsed codec. */
export function sdpCodecLines(c: SdpCodec, rtcpFb: readonly string[]): string[] {
  return codecLines(c.pt, c.name, c.clockRate, c.channels, rtcpFb, c.fmtp);
}

/** The value of the first `a=<name>:value` (or flag `a=<name>`) among `lines`. */
export function attribute(lines: readonly string[], name: string): string | undefined {
  const prefix = `a=${name}`;
  for (const l of lines) {
    if (l === prefix) return '';
    if (l.startsWith(`${prefix}:`)) return l.slice(prefix.length + 1).trim();
  }
  return undefined;
}

/** Every value of `a=<name>:value` among `lines`. */
export function attributes(lines: readonly string[], name: string): string[] {
  const prefix = `a=${name}:`;
  return lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length).trim());
}

/** The mids of the first `a=group:BUNDLE` (RFC 8843 §7.1), or undefined when there is none. */
export function bundleGroup(sdp: Sdp): string[] | undefined {
  const g = attributes(sdp.session, 'group').find((v) => v.startsWith('BUNDLE'));
  return g === undefined ? undefined : g.split(' ').slice(1).filter((m) => m.length > 0);
}

function parseFingerprint(value: string): DtlsFingerprint | undefined {
  const m = /^(\S+)\s+([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+)$/.exec(value);
  return m ? { algorithm: m[1].toLowerCase(), value: m[2].toUpperCase() } : undefined;
}

/**
 * The peer's ICE credentials, fingerprints and setup role (media level, else session level;
 * from the first section in use, the BUNDLE tag in practice — RFC 8843 §7.1.3). Undefined
 * fields mean the description lacks them.
 */
export function readRemoteTransport(sdp: Sdp): { ufrag?: string; pwd?: string; fingerprints: DtlsFingerprint[]; setup?: string } {
  const section: SdpMedia | undefined = sdp.media.find((m) => m.port !== 0) ?? sdp.media[0];
  const lines = section?.lines ?? [];
  const pick = (name: string) => attribute(lines, name) ?? attribute(sdp.session, name);
  const fpValues = attributes(lines, 'fingerprint');
  const fingerprints = (fpValues.length > 0 ? fpValues : attributes(sdp.session, 'fingerprint')).flatMap((v) => parseFingerprint(v) ?? []);
  return { ufrag: pick('ice-ufrag'), pwd: pick('ice-pwd'), fingerprints, setup: pick('setup') };
}
