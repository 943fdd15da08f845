/**
 * Sections other than audio/video ones that the native path writes: the data channel section
 * (RFC 8841 §5: SCTP over DTLS, `a=sctp-port`, `a=max-message-size`) and rejected sections
 * (RFC 8829 §5.3.1: port 0, the mid kept so the peer can match it).
 */
import type { SdpMedia } from '../sdp/sdp.ts';
import { attribute, candidateLines, transportLines, type LocalTransport, type SetupRole } from './sdp-lines.ts';

/** The SCTP port the SFU listens on inside DTLS (RFC 8841 §5.1: 5000 by convention). */
export const SFU_SCTP_PORT = 5000;
/** Largest message the SFU takes (RFC 8841 §6.1). */
export const SFU_MAX_MESSAGE_SIZE = 262144;
/** RFC 8841 §6.1: a peer that does not say may be sent at most 64 KiB. */
const DEFAULT_MAX_MESSAGE_SIZE = 65536;

/** An accepted data channel section: the peer's SCTP port and the largest message it takes. */
export interface AcceptedData {
  readonly mid: string;
  readonly remoteSctpPort: number;
  readonly remoteMaxMessageSize: number;
}

/** The lines of the SFU's data channel section (offer or answer). */
export function dataSectionLines(mid: string, local: LocalTransport, setup: SetupRole): string[] {
  return [
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    ...transportLines(local, setup),
    `a=mid:${mid}`,
    `a=sctp-port:${SFU_SCTP_PORT}`,
    `a=max-message-size:${SFU_MAX_MESSAGE_SIZE}`,
    ...candidateLines(local.candidates),
  ];
}

/** What a peer's data channel section says (RFC 8841 §5.1, §6.1); undefined if it is not a usable one. */
export function readDataSection(m: SdpMedia): AcceptedData | undefined {
  if (m.mid === undefined || m.port === 0 || m.protocol !== 'UDP/DTLS/SCTP' || !m.formats.includes('webrtc-datachannel')) return undefined;
  const port = Number(attribute(m.lines, 'sctp-port') ?? SFU_SCTP_PORT);
  const max = Number(attribute(m.lines, 'max-message-size') ?? DEFAULT_MAX_MESSAGE_SIZE);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !Number.isSafeInteger(max) || max < 0) return undefined;
  // RFC 8841 §6.1: 0 means any size.
  return { mid: m.mid, remoteSctpPort: port, remoteMaxMessageSize: max };
}

/** Answers an offered data channel section; undefined when it must be rejected. */
export function answerDataSection(m: SdpMedia, mid: string, local: LocalTransport, setup: SetupRole): { lines: string[]; accepted: AcceptedData } | undefined {
  const accepted = readDataSection(m);
  return accepted ? { lines: dataSectionLines(mid, local, setup), accepted } : undefined;
}

/** A rejected section (RFC 8829 §5.3.1, RFC 8866 §5.14): port 0, same kind and protocol, the mid kept. */
export function rejectedSection(m: SdpMedia): string[] {
  const formats = m.formats.length > 0 ? m.formats.slice(0, 1) : ['0'];
  const lines = [`m=${m.kind} 0 ${m.protocol} ${formats.join(' ')}`, 'c=IN IP4 0.0.0.0'];
  if (m.mid !== undefined) lines.push(`a=mid:${m.mid}`);
  if (m.kind === 'audio' || m.kind === 'video') lines.push('a=inactive');
  return lines;
}
