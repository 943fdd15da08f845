/**
 * A session member as its session sees it. {@link Session} holds members through this
 * interface and {@link Peer} implements it, so `peer.ts` imports `session.ts` and never the
 * other way round.
 */
import type { SubscriberBandwidthReport } from '../media/subscriber-bandwidth.ts';
import type { PublishedTrack } from '../media/track-types.ts';
import type { FanoutMember } from './fanout.ts';

/** One client of a session, as the session drives it. */
export interface SessionMember extends FanoutMember {
  /** whether this member receives others' tracks as soon as they are published */
  readonly autoSubscribe: boolean;
  /** starts sending an up-track of another member to this one */
  subscribe(up: PublishedTrack): void;
  unsubscribe(up: PublishedTrack): void;
  /** a message on this member's `ion-sfu` API channel */
  sendApi(text: string): void;
  /** tracks this member receives (for stats) */
  downTrackCount(): number;
  /** publisher ICE restarts answered (for stats) */
  readonly iceRestarts: number;
  /** ICE restarts the SFU made on this member's subscriber connection (for stats) */
  readonly subscriberIceRestarts: number;
  /** the bandwidth estimate and video layers of this member's subscriber connection (for stats) */
  bandwidthReport?(): SubscriberBandwidthReport | undefined;
  /** the room clock's periodic tick (NACKs, reports, keyframe requests) */
  tick(nowMs: number): void;
  /** leaves: closes the member's connections (the server is shutting down) */
  close(): void;
}
