/**
 * What a native peer connection needs from the SFU-wide part of the native media path (one
 * media worker, one UDP port, one certificate, the ICE-lite demultiplexer): implemented by
 * `native-media.ts`.
 */
import type { SfuLog } from '../types/log.ts';
import type { DtlsConnection, SrtpKeys } from './dtls-srtp.ts';
import type { IceAddress, IceLiteAgent } from './ice-lite.ts';
import type { MediaControl } from './media-control.ts';
import type { AcceptedMedia } from './sdp-answer.ts';
import type { DtlsFingerprint, HostCandidate } from './sdp-lines.ts';

/** What the hub knows of a connection. */
export interface HubConnection {
  readonly connId: number;
  readonly agent: IceLiteAgent;
}

export interface NativeHub {
  readonly control: MediaControl;
  readonly log: SfuLog;
  readonly fingerprint: DtlsFingerprint;
  /** the worker's host candidates (its port on each announced address) */
  readonly candidates: readonly HostCandidate[];
  readonly timeouts: { readonly disconnectedMs: number; readonly failedMs: number };
  /** monotonic ms */
  now(): number;
  /** a new connection: its agent is reachable by ufrag, and its id by the router */
  attach(t: HubConnection): void;
  /** its agent's credentials changed (remote set, ICE restart) */
  updateAgent(t: HubConnection): void;
  detach(t: HubConnection): void;
  /** the header extension ids a publisher connection negotiated */
  connSpec(conn: number, media: readonly AcceptedMedia[]): void;
  connAddress(conn: number, to: IceAddress): void;
  connKeys(conn: number, keys: SrtpKeys): void;
  /** hands a publisher's section to the router; its up-stream id, or undefined when refused */
  upAdd(conn: number, m: AcceptedMedia): number | undefined;
  dtlsConnection(role: 'client' | 'server', remoteFingerprint: string): DtlsConnection;
  /** a datagram from the worker's socket (STUN replies, DTLS records) */
  sendTo(to: IceAddress, data: Uint8Array): void;
}
