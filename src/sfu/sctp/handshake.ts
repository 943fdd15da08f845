/**
 * Pieces of association set-up (RFC 9260 §5.1–5.2): our INIT / INIT-ACK, and the choice
 * among the COOKIE-ECHO cases of §5.2.4 Table 7, which decide what happens when both ends
 * send INIT at once, as WebRTC endpoints do.
 */
import { ChunkType, type Chunk, type InitChunk } from './chunks.ts';
import type { AssociationState } from './options.ts';
import { type CookieContents, makeCookie } from './cookie.ts';

/** A random, non-zero 32-bit tag (RFC 9260 §5.3.1). */
export function randomTag(random: (n: number) => Uint8Array): number {
  for (;;) {
    const b = random(4);
    const v = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
    if (v !== 0) return v;
  }
}

export function randomU32(random: (n: number) => Uint8Array): number {
  const b = random(4);
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

/** Our INIT or INIT-ACK: PR-SCTP and RE-CONFIG announced (RFC 3758 §3.1, RFC 5061 §4.2.7). */
export function initChunk(
  type: 'init' | 'init-ack',
  initiateTag: number,
  initialTsn: number,
  arwnd: number,
  streams: number,
  stateCookie?: Uint8Array,
): InitChunk {
  return {
    type,
    initiateTag,
    arwnd,
    outboundStreams: streams,
    inboundStreams: streams,
    initialTsn,
    params: {
      stateCookie,
      forwardTsnSupported: true,
      supportedExtensions: [ChunkType.forwardTsn, ChunkType.reconfig],
      other: [],
    },
  };
}

/** What the peer's INIT or INIT-ACK says it supports. */
export function peerFeatures(c: InitChunk): { forwardTsn: boolean; reconfig: boolean } {
  const ext = c.params.supportedExtensions ?? [];
  return {
    forwardTsn: c.params.forwardTsnSupported || ext.includes(ChunkType.forwardTsn),
    reconfig: ext.includes(ChunkType.reconfig),
  };
}

/**
 * RFC 9260 §5.2.4 Table 7 for a COOKIE-ECHO that arrives while an association exists:
 * A peer restart, B INIT collision, C late cookie after our restart (discard),
 * D both tags match; anything else is discarded.
 */
export type CookieCase = 'A' | 'B' | 'C' | 'D' | 'discard';

export function cookieCase(c: CookieContents, localTag: number, peerTag: number | undefined): CookieCase {
  const localMatch = c.localTag === localTag;
  const peerMatch = peerTag !== undefined && c.peerTag === peerTag;
  if (localMatch && peerMatch) return 'D';
  if (localMatch) return 'B';
  if (!peerMatch && c.localTieTag === localTag && c.peerTieTag === peerTag) return 'A';
  if (peerMatch && c.localTieTag === 0 && c.peerTieTag === 0) return 'C';
  return 'discard';
}

/** The State Cookie answering `init` with our tag, initial TSN and Tie-Tags (RFC 9260 §5.1.3). */
export function cookieFor(
  init: InitChunk,
  local: { tag: number; tsn: number; tie: { local: number; peer: number }; nowMs: number },
  secret: Uint8Array,
): Uint8Array {
  const features = peerFeatures(init);
  return makeCookie(
    {
      createdAtMs: local.nowMs,
      localTag: local.tag,
      peerTag: init.initiateTag,
      localInitialTsn: local.tsn,
      peerInitialTsn: init.initialTsn,
      peerArwnd: init.arwnd,
      peerOutboundStreams: init.outboundStreams,
      peerInboundStreams: init.inboundStreams,
      localTieTag: local.tie.local,
      peerTieTag: local.tie.peer,
      peerForwardTsn: features.forwardTsn,
      peerReconfig: features.reconfig,
    },
    secret,
  );
}

/**
 * The tags an INIT-ACK answering an INIT carries in `state` (RFC 9260 §5.2.1, §5.2.2): during
 * set-up our own tag and TSN (with Tie-Tags once COOKIE-ECHOED); otherwise new ones, with the
 * existing association's tags as Tie-Tags unless there is none.
 */
export function initAckTags(
  state: AssociationState,
  ours: { tag: number; tsn: number; peerTag: number | undefined },
  random: (n: number) => Uint8Array,
): { tag: number; tsn: number; tie: { local: number; peer: number } } {
  const tie = { local: ours.tag, peer: ours.peerTag ?? 0 };
  if (state === 'cookie-wait') return { tag: ours.tag, tsn: ours.tsn, tie: { local: 0, peer: 0 } };
  if (state === 'cookie-echoed') return { tag: ours.tag, tsn: ours.tsn, tie };
  return { tag: randomTag(random), tsn: randomU32(random), tie: state === 'closed' ? { local: 0, peer: 0 } : tie };
}

/** Stale Cookie Error cause code (RFC 9260 §3.3.10.3). */
export const STALE_COOKIE = 3;

/** The ERROR telling a peer how stale its cookie was, in µs (RFC 9260 §3.3.10.3). */
export function staleCookieError(stalenessMs: number): Chunk {
  const info = new Uint8Array(4);
  new DataView(info.buffer).setUint32(0, Math.min(0xffffffff, Math.round(stalenessMs * 1000)));
  return { type: 'error', causes: [{ code: STALE_COOKIE, info }] };
}
