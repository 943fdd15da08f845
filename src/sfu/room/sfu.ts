/**
 * The SFU as a room service: sessions by id, peers joining them, and the clock (20 ms, or the
 * media path's own period) that drives NACKs, receiver and sender reports, keyframe requests,
 * layer choices and active-speaker updates, and the media path's own periodic work.
 */
import { randomUUID } from 'node:crypto';
import type { SfuConfig } from '../config-types.ts';
import { newMediaCounters, type MediaCounters } from '../media/counters.ts';
import { LoadMonitor } from '../media/load-monitor.ts';
import type { ResidenceHistogram } from '../media/residence.ts';
import type { SubscriberBandwidthReport } from '../media/subscriber-bandwidth.ts';
import type { JoinParams } from '../types/schema.ts';
import type { SfuLog } from '../types/log.ts';
import type { TransportFactory } from '../transport/types.ts';
import { realClock, type CancelTimer, type RoomClock } from './clock.ts';
import type { RoomContext } from './context.ts';
import { Peer } from './peer.ts';
import { Session } from './session.ts';
import type { Outcome, PeerHandle, RoomService, SignalSink } from './types.ts';

const TICK_MS = 20;

/** A snapshot of what the SFU is doing. */
export interface RoomStats {
  sessions: number;
  peers: number;
  publishedTracks: number;
  /** of those, audio and video (ion-sfu's sfu_audio_tracks / sfu_video_tracks) */
  audioTracks: number;
  videoTracks: number;
  downTracks: number;
  dataChannelMessagesRelayed: number;
  /** publisher ICE restarts answered, by peers still joined (always set by {@link Sfu.stats}) */
  iceRestarts?: number;
  /** ICE restarts the SFU made on subscriber connections, by peers still joined (native media path) */
  subscriberIceRestarts?: number;
  /** the largest delay of the SFU's 20 ms clock so far, ms (a saturation sign) */
  maxClockLagMs: number;
  media: MediaCounters;
  /** each subscriber connection's bandwidth estimate and video layers */
  bandwidth: SubscriberBandwidthReport[];
  /** the latency the media path adds to RTP (the native path only) */
  residence?: ResidenceHistogram;
}

/** Sessions by id, and the clock that drives RTCP and keyframe requests. */
export class Sfu implements RoomService {
  readonly #ctx: RoomContext;
  readonly #sessions = new Map<string, Session>();
  readonly #timers: RoomClock['timers'];
  /** the clock's timer, while there are sessions (an SFU with no calls arms none) */
  #stopClock: CancelTimer | undefined;
  readonly #tickMs: number;
  #relayedByGoneSessions = 0;
  #closed = false;

  /** `clock`: where rooms take the time and their timers from (tests pass a hand-driven one). */
  constructor(config: SfuConfig, transports: TransportFactory, log: SfuLog, clock: RoomClock = realClock) {
    this.#ctx = {
      config,
      transports,
      counters: newMediaCounters(),
      load: new LoadMonitor(),
      log,
      now: clock.now,
      wallClock: clock.wallClock,
      timers: clock.timers,
    };
    this.#tickMs = transports.tickMs ?? TICK_MS;
    this.#timers = clock.timers;
  }

  /** The clock runs while there are sessions: the first join starts it, a tick with none left stops it. */
  #startClock(): void {
    if (this.#stopClock) return;
    this.#ctx.load.pause(); // the time it was off is no lag
    this.#stopClock = this.#timers.every(this.#tickMs, () => this.#tick());
  }

  #tick(): void {
    const now = this.#ctx.now();
    if (this.#sessions.size === 0) {
      // The last session is gone: this tick still drains what its transports left, then the
      // clock stops until the next join.
      this.#stopClock?.();
      this.#stopClock = undefined;
    }
    try {
      this.#ctx.transports.tick?.(now);
    } catch (err) {
      this.#ctx.log.error('sfu.media_tick_failed', { error: (err as Error).message });
    }
    this.#ctx.load.tick(now, this.#tickMs);
    for (const s of this.#sessions.values()) {
      try {
        s.tick(now);
      } catch (err) {
        this.#ctx.log.error('sfu.tick_failed', { session: s.id, error: (err as Error).message });
      }
    }
  }

  async join(params: JoinParams, sink: SignalSink): Promise<Outcome<{ peer: PeerHandle; answer: string }>> {
    if (this.#closed) return { ok: false, error: 'server shutting down' };
    this.#startClock();
    let session = this.#sessions.get(params.sid);
    if (!session) {
      session = new Session(this.#ctx, params.sid, (s) => {
        this.#relayedByGoneSessions += s.fanout.relayed;
        if (this.#sessions.get(s.id) === s) this.#sessions.delete(s.id);
      });
      this.#sessions.set(params.sid, session);
    }
    // ion-sfu ≥ 1.9.1 uses uid as the peer id; ids stay unique here even if two clients reuse one.
    const id = params.uid !== '' ? params.uid : randomUUID();
    const peer = new Peer(this.#ctx, session, id, params.config, sink);
    session.addPeer(peer);
    const answer = await peer.start(params.offer.sdp);
    if (!answer.ok) {
      peer.close();
      return answer;
    }
    this.#ctx.log.info('sfu.peer.joined', { session: params.sid, peer: id, peers: session.peers.size });
    return { ok: true, value: { peer, answer: answer.value } };
  }

  stats(): RoomStats {
    let peers = 0;
    let publishedTracks = 0;
    let audioTracks = 0;
    let downTracks = 0;
    let iceRestarts = 0;
    let subscriberIceRestarts = 0;
    let relayed = this.#relayedByGoneSessions;
    const bandwidth: SubscriberBandwidthReport[] = [];
    const residence = this.#ctx.transports.residence?.();
    for (const s of this.#sessions.values()) {
      peers += s.peers.size;
      publishedTracks += s.tracks.size;
      for (const t of s.tracks.keys()) if (t.info.kind === 'audio') audioTracks++;
      relayed += s.fanout.relayed;
      for (const p of s.peers) {
        downTracks += p.downTrackCount();
        iceRestarts += p.iceRestarts;
        subscriberIceRestarts += p.subscriberIceRestarts;
      }
      for (const p of s.peers) {
        const b = p.bandwidthReport?.();
        if (b) bandwidth.push(b);
      }
    }
    return {
      sessions: this.#sessions.size,
      peers,
      publishedTracks,
      audioTracks,
      videoTracks: publishedTracks - audioTracks,
      downTracks,
      dataChannelMessagesRelayed: relayed,
      iceRestarts,
      subscriberIceRestarts,
      maxClockLagMs: Math.round(this.#ctx.load.maxLagMs),
      media: withPathCounters(this.#ctx.counters, this.#ctx.transports.mediaCounters?.()),
      bandwidth,
      ...(residence ? { residence } : {}),
    };
  }

  /** Closes every peer and stops the clock. */
  close(): void {
    this.#closed = true;
    this.#stopClock?.();
    this.#stopClock = undefined;
    for (const s of [...this.#sessions.values()]) for (const p of [...s.peers]) p.close();
    this.#sessions.clear();
  }
}

/** The rooms' counters plus those a media path keeps itself (the native router counts packets). */
function withPathCounters(c: MediaCounters, path: Partial<Record<string, number>> | undefined): MediaCounters {
  const out = { ...c };
  if (!path) return out;
  for (const k of Object.keys(out) as (keyof MediaCounters)[]) out[k] += path[k] ?? 0;
  return out;
}
