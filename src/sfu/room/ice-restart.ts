/**
 * ICE restart of a publisher connection (RFC 8445 §9, RFC 8829 §3.5.1): a client whose network
 * changed offers new ICE credentials (`a=ice-ufrag`/`a=ice-pwd`, RFC 8839 §5.4) and expects an
 * answer with new credentials of the SFU's own. libdatachannel cannot restart ICE on a live
 * peer connection (its issue #545), so the SFU answers from a fresh connection instead: new
 * ICE credentials, a new DTLS certificate (so the browser restarts DTLS as well, RFC 8842 §5.1),
 * and the same media sections. The room's up-tracks, SSRCs and subscribers stay; only the
 * receive side under each up-track is swapped, through a {@link RebindableReceiveTrack}.
 */
import type { ReceiveTrack } from '../transport/types.ts';

/** The first `a=ice-ufrag` of an SDP (session or media level), if any. */
export function iceUfragOf(sdp: string): string | undefined {
  return /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
}

/** Whether `offer` restarts ICE relative to the remote credentials last applied. */
export function isIceRestart(previousUfrag: string | undefined, offer: string): boolean {
  const ufrag = iceUfragOf(offer);
  return previousUfrag !== undefined && ufrag !== undefined && ufrag !== previousUfrag;
}

/**
 * An incoming media section that outlives the connection it first arrived on: the up-track
 * reads from it, and an ICE restart points it at the same section of the replacement
 * connection. Packets go straight from the stack to the up-track (no extra call per packet).
 */
export class RebindableReceiveTrack implements ReceiveTrack {
  readonly mid: string;
  readonly kind: 'audio' | 'video';
  #rx: ReceiveTrack;
  #onPacket: ((packet: Buffer) => void) | undefined;

  constructor(rx: ReceiveTrack) {
    this.mid = rx.mid;
    this.kind = rx.kind;
    this.#rx = rx;
  }

  get onPacket(): ((packet: Buffer) => void) | undefined {
    return this.#onPacket;
  }

  set onPacket(fn: ((packet: Buffer) => void) | undefined) {
    this.#onPacket = fn;
    this.#rx.onPacket = fn;
  }

  /** Reads from `rx` from now on (the section of the replacement connection). */
  rebind(rx: ReceiveTrack): void {
    this.#rx.onPacket = undefined;
    this.#rx = rx;
    rx.onPacket = this.#onPacket;
  }

  sendRtcp(packet: Uint8Array): void {
    this.#rx.sendRtcp(packet);
  }

  close(): void {
    this.#rx.close();
  }
}
