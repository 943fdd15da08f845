/**
 * What the room layer offers the signalling layer, and what it needs back from it. Signalling
 * knows nothing of media; rooms know nothing of WebSockets or JSON-RPC frames.
 */
import type { Outcome } from '../types/outcome.ts';
import type { CandidateInit, JoinParams, Target } from '../types/schema.ts';

export type { Outcome } from '../types/outcome.ts';

/** How a peer's signalling channel is reached from the room (server → client notifications). */
export interface SignalSink {
  /** a subscriber-connection offer the client must answer (RFC 8829 §5.2) */
  offer(sdp: string): void;
  /** a local ICE candidate of the publisher (0) or subscriber (1) connection (RFC 8838 §4) */
  trickle(target: Target, candidate: CandidateInit): void;
}

/** One joined client, as signalling drives it. */
export interface PeerHandle {
  readonly id: string;
  /** publisher renegotiation: the client's new offer → the SFU's answer SDP */
  offer(sdp: string): Promise<Outcome<string>>;
  /** the client's answer to the last subscriber offer */
  answer(sdp: string): Promise<Outcome<void>>;
  /** a remote ICE candidate for one of the two connections */
  trickle(target: Target, candidate: CandidateInit): Outcome<void>;
  /** leave: close both connections and take this peer's tracks away from the others */
  close(): void;
}

/** The SFU as signalling sees it. */
export interface RoomService {
  /** adds a peer to session `params.sid`; resolves with the publisher answer SDP */
  join(params: JoinParams, sink: SignalSink): Promise<Outcome<{ peer: PeerHandle; answer: string }>>;
}
