/**
 * A session (ion-sfu's room, named by `join.sid`): its peers, the tracks they publish, the
 * fanned-out data channels and the active-speaker list. Every published track goes to every
 * other auto-subscribing peer.
 */
import { AudioObserver } from '../media/audio-observer.ts';
import type { PublishedTrack } from '../media/track-types.ts';
import { audioLevelsMessage } from '../types/schema.ts';
import type { DataEndpoint } from '../transport/types.ts';
import type { RoomContext } from './context.ts';
import { DataFanout } from './fanout.ts';
import type { SessionMember } from './member.ts';

/** One session (room) and what its peers share. */
export class Session {
  readonly id: string;
  readonly peers = new Set<SessionMember>();
  readonly audio: AudioObserver;
  readonly fanout = new DataFanout();
  readonly #ctx: RoomContext;
  readonly #tracks = new Map<PublishedTrack, SessionMember>();
  readonly #onEmpty: (s: Session) => void;
  #lastAudioTick = 0;

  constructor(ctx: RoomContext, id: string, onEmpty: (s: Session) => void) {
    this.#ctx = ctx;
    this.id = id;
    this.#onEmpty = onEmpty;
    const r = ctx.config.router;
    this.audio = new AudioObserver({ threshold: r.audioLevelThreshold, interval: r.audioLevelInterval, filter: r.audioLevelFilter });
  }

  /** Published tracks and their owners. */
  get tracks(): ReadonlyMap<PublishedTrack, SessionMember> {
    return this.#tracks;
  }

  addPeer(peer: SessionMember): void {
    this.peers.add(peer);
    if (peer.autoSubscribe) for (const [up, owner] of this.#tracks) if (owner !== peer) peer.subscribe(up);
    this.fanout.addMember(peer);
  }

  publish(up: PublishedTrack, owner: SessionMember): void {
    if (!this.peers.has(owner)) return;
    this.#tracks.set(up, owner);
    this.#ctx.log.debug('sfu.track.published', { session: this.id, peer: owner.id, track: up.info.id, kind: up.info.kind, codec: up.codec?.name });
    for (const p of this.peers) if (p !== owner && p.autoSubscribe) p.subscribe(up);
  }

  unpublish(up: PublishedTrack): void {
    if (!this.#tracks.delete(up)) return;
    for (const p of this.peers) p.unsubscribe(up);
    if (!this.#anyTrackOfStream(up.info.streamId)) this.audio.remove(up.info.streamId);
  }

  #anyTrackOfStream(streamId: string): boolean {
    for (const t of this.#tracks.keys()) if (t.info.streamId === streamId) return true;
    return false;
  }

  addDataChannel(owner: SessionMember, channel: DataEndpoint): void {
    this.fanout.addOwn(owner, channel, this.peers);
  }

  removePeer(peer: SessionMember, tracks: readonly PublishedTrack[]): void {
    if (!this.peers.delete(peer)) return;
    for (const t of tracks) this.unpublish(t);
    // Tracks that never carried a packet were never published; nothing else to undo for them.
    this.fanout.removeMember(peer);
    if (this.peers.size === 0) this.#onEmpty(this);
  }

  tick(nowMs: number): void {
    for (const p of this.peers) p.tick(nowMs);
    if (nowMs - this.#lastAudioTick < this.#ctx.config.router.audioLevelInterval) return;
    this.#lastAudioTick = nowMs;
    const speakers = this.audio.tick();
    if (speakers) {
      const msg = audioLevelsMessage(speakers);
      for (const p of this.peers) p.sendApi(msg);
    }
  }
}
