/**
 * The small interface the SFU needs from a WebRTC stack (RFC 8829 JSEP, RFC 8831 data channels,
 * RFC 3711 SRTP underneath): one peer connection that can answer or offer, trickle ICE, hand out
 * raw RTP/RTCP per media section, send raw RTP/RTCP, and carry data channels. Rooms and routing
 * only see this; `node-datachannel.ts` is the one file that talks to the native stack.
 */
import type { ResidenceHistogram } from '../media/residence.ts';
import type { Outcome } from '../types/outcome.ts';
import type { DownCodec } from '../sdp/codecs.ts';
import type { SdpExtmap } from '../sdp/sdp.ts';

/** A local ICE candidate (RFC 8839 §5.1, without the leading "a="). */
export interface LocalCandidate {
  readonly candidate: string;
  readonly mid: string;
}

/** Connection state, as RTCPeerConnectionState names it. */
export type TransportState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

/** An incoming media section (publisher side): every RTP and RTCP packet for it. */
export interface ReceiveTrack {
  readonly mid: string;
  readonly kind: 'audio' | 'video';
  /** set by the owner; RTP and RTCP arrive mixed (RFC 5761) */
  onPacket: ((packet: Buffer) => void) | undefined;
  /** sends RTCP towards the publisher (PLI, NACK, RR, REMB) */
  sendRtcp(packet: Uint8Array): void;
  close(): void;
}

/** What an outgoing media section (subscriber side) offers. */
export interface SendTrackSpec {
  readonly mid: string;
  readonly codec: DownCodec;
  readonly extmaps: readonly SdpExtmap[];
  readonly ssrc: number;
  /** RTCP CNAME (RFC 3550 §6.5.1) */
  readonly cname: string;
  /** msid stream and track ids (RFC 8830 §2) */
  readonly streamId: string;
  readonly trackId: string;
}

/** An outgoing media section. */
export interface SendTrack {
  readonly mid: string;
  /** true once DTLS-SRTP is up and packets can flow */
  isOpen(): boolean;
  /** sends one RTP packet; false when it could not be queued */
  sendRtp(packet: Uint8Array): boolean;
  sendRtcp(packet: Uint8Array): void;
  /** set by the owner: RTCP from the subscriber about this section */
  onRtcp: ((packet: Buffer) => void) | undefined;
  onOpen: (() => void) | undefined;
  /** removes the section (port 0) at the next offer */
  close(): void;
}

/** One data channel (RFC 8831). Text stays text, binary stays binary. */
export interface DataEndpoint {
  readonly label: string;
  isOpen(): boolean;
  send(data: string | Uint8Array): boolean;
  onOpen: (() => void) | undefined;
  onMessage: ((data: string | Buffer) => void) | undefined;
  onClose: (() => void) | undefined;
  close(): void;
}

/** Callbacks a peer transport reports through; set by its owner. */
export interface TransportEvents {
  onCandidate?: (c: LocalCandidate) => void;
  onState?: (s: TransportState) => void;
  onTrack?: (t: ReceiveTrack) => void;
  onDataChannel?: (d: DataEndpoint) => void;
}

/** One peer connection. */
export interface PeerTransport {
  readonly events: TransportEvents;
  /** whether incoming RTP is routed by the MID and RID header extensions (RFC 8843, RFC 8852), so RID simulcast may share the connection */
  readonly demuxesByMid?: boolean;
  /** whether an offer with new ICE credentials restarts ICE on this connection (RFC 8445 §9), keeping DTLS and every track; otherwise the room replaces the connection */
  readonly restartsIce?: boolean;
  /** whether the connection reports the publisher's transport-wide sequence numbers back (transport-cc feedback), so a publisher's offer keeps them */
  readonly sendsTransportFeedback?: boolean;
  /**
   * ICE restart from this side (RFC 8445 §9): new local credentials for the next offer; the old
   * ones keep answering until the peer checks with the new. Absent where the connection cannot
   * restart in place (the stack path).
   */
  restartIce?(): Outcome<void>;
  setRemoteDescription(sdp: string, type: 'offer' | 'answer'): Outcome<void>;
  /** answers the remote offer just set */
  createAnswer(): Promise<Outcome<string>>;
  /** offers the current set of send tracks and data channels */
  createOffer(): Promise<Outcome<string>>;
  addRemoteCandidate(candidate: string, mid: string | null | undefined): Outcome<void>;
  signalingState(): string;
  addSendTrack(spec: SendTrackSpec): Outcome<SendTrack>;
  createDataChannel(label: string): Outcome<DataEndpoint>;
  close(): void;
}

/** Makes peer transports with the server's ICE settings. */
export interface TransportFactory {
  create(name: string): PeerTransport;
  /** media figures the factory's own media path keeps (the native path's router), added to the rooms' */
  mediaCounters?(): Partial<Record<string, number>>;
  /** how long RTP spends in the media path (the native path measures it; `media/residence.ts`) */
  residence?(): ResidenceHistogram | undefined;
  /** releases what the factory holds (the native path's worker and socket) */
  close?(): void;
  /** the rooms' tick period this media path wants, ms (20 unless given) */
  readonly tickMs?: number;
  /**
   * The media path's own periodic work, run first in every room tick, so that one timer wakes
   * the event loop for both (the native path: events pulled from its worker, ICE consent, SCTP).
   */
  tick?(nowMs: number): void;
}

/** ICE settings from `[webrtc]`. */
export interface TransportSettings {
  readonly iceServers: readonly { readonly urls: readonly string[]; readonly username?: string; readonly credential?: string }[];
  readonly portRange: readonly [number, number] | undefined;
  readonly singlePort: number | undefined;
  readonly bindAddress: string | undefined;
  readonly nat1to1: readonly string[];
}
