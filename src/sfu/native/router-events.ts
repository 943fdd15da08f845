/**
 * Decodes the media router's event log (native/src/sfu/router.h, `tp_event_log`): records of
 * u16 type, u16 body length, body, little-endian. Pure; a truncated or unknown record is
 * reported as a value, never thrown.
 */

/** `TP_EV_*` of router.h. */
export const RouterEventType = { ssrc: 1, keyframe: 2, pli: 3, rtcp: 4, unknown: 5, layer: 6, audio: 7, twccSent: 8, first: 9, layerStats: 10, svc: 11 } as const;

/** One packet sent with a transport-wide sequence number (for joining TWCC feedback). */
export interface TwccSent {
  readonly seq: number;
  readonly size: number;
  /** send time, µs, low 32 bits of the worker's monotonic clock */
  readonly atUs: number;
}

/** One event of the log. */
export type RouterEvent =
  | { readonly type: 'ssrc'; readonly up: number; readonly layer: number; readonly ssrc: number }
  | { readonly type: 'keyframe'; readonly up: number; readonly layer: number }
  | { readonly type: 'pli'; readonly down: number }
  | { readonly type: 'rtcp'; readonly conn: number; readonly packet: Buffer }
  | { readonly type: 'unknown'; readonly conn: number; readonly ssrc: number }
  | { readonly type: 'layer'; readonly down: number; readonly layer: number }
  | { readonly type: 'audio'; readonly up: number; readonly speaking: number; readonly packets: number; readonly minLevel: number }
  /** `records`: n × (u16 seq, u16 size, u32 send time µs), read with {@link forEachTwccSent} (no object per packet) */
  | { readonly type: 'twccSent'; readonly conn: number; readonly records: Buffer }
  /** the up-stream's first packet of a negotiated payload type: its codec is known */
  | { readonly type: 'first'; readonly up: number; readonly pt: number }
  /** per tick, for a layer that received media: cumulative bytes, and ms since its last packet */
  | { readonly type: 'layerStats'; readonly up: number; readonly layer: number; readonly bytes: number; readonly idleMs: number }
  /** the up-stream's VP9 stream carries spatial layers, which now stand for its layers */
  | { readonly type: 'svc'; readonly up: number }
  | { readonly type: 'other'; readonly code: number; readonly body: Buffer };

/** The events, or why the log could not be read to its end (with those read before). */
export type RouterEventsParse =
  | { readonly ok: true; readonly events: RouterEvent[] }
  | { readonly ok: false; readonly reason: string; readonly events: RouterEvent[] };

function one(code: number, b: Buffer): RouterEvent | undefined {
  const T = RouterEventType;
  switch (code) {
    case T.ssrc:
      return b.length >= 9 ? { type: 'ssrc', up: b.readUInt32LE(0), layer: b[4], ssrc: b.readUInt32LE(5) } : undefined;
    case T.keyframe:
      return b.length >= 5 ? { type: 'keyframe', up: b.readUInt32LE(0), layer: b[4] } : undefined;
    case T.pli:
      return b.length >= 4 ? { type: 'pli', down: b.readUInt32LE(0) } : undefined;
    case T.rtcp:
      return b.length >= 4 ? { type: 'rtcp', conn: b.readUInt32LE(0), packet: b.subarray(4) } : undefined;
    case T.unknown:
      return b.length >= 8 ? { type: 'unknown', conn: b.readUInt32LE(0), ssrc: b.readUInt32LE(4) } : undefined;
    case T.layer:
      return b.length >= 5 ? { type: 'layer', down: b.readUInt32LE(0), layer: b[4] } : undefined;
    case T.audio:
      return b.length >= 9 ? { type: 'audio', up: b.readUInt32LE(0), speaking: b.readUInt16LE(4), packets: b.readUInt16LE(6), minLevel: b[8] } : undefined;
    case T.twccSent: {
      if (b.length < 4 || (b.length - 4) % 8 !== 0) return undefined;
      return { type: 'twccSent', conn: b.readUInt32LE(0), records: b.subarray(4) };
    }
    case T.first:
      return b.length >= 5 ? { type: 'first', up: b.readUInt32LE(0), pt: b[4] } : undefined;
    case T.layerStats:
      return b.length >= 17 ? { type: 'layerStats', up: b.readUInt32LE(0), layer: b[4], bytes: Number(b.readBigUInt64LE(5)), idleMs: b.readUInt32LE(13) } : undefined;
    case T.svc:
      return b.length >= 4 ? { type: 'svc', up: b.readUInt32LE(0) } : undefined;
    default:
      return { type: 'other', code, body: b };
  }
}

/** Decodes a drained event log (the bodies are views into `buf`). */
export function decodeRouterEvents(buf: Buffer): RouterEventsParse {
  const events: RouterEvent[] = [];
  let o = 0;
  while (o < buf.length) {
    if (o + 4 > buf.length) return { ok: false, reason: `truncated event header at offset ${o}`, events };
    const code = buf.readUInt16LE(o);
    const len = buf.readUInt16LE(o + 2);
    if (o + 4 + len > buf.length) return { ok: false, reason: `event type ${code} runs past the end at offset ${o}`, events };
    const e = one(code, buf.subarray(o + 4, o + 4 + len));
    if (!e) return { ok: false, reason: `event type ${code} too short at offset ${o}`, events };
    events.push(e);
    o += 4 + len;
  }
  return { ok: true, events };
}

/** Calls `fn` for each record of a `twccSent` event, in order. */
export function forEachTwccSent(records: Buffer, fn: (seq: number, size: number, atUs: number) => void): void {
  for (let o = 0; o + 8 <= records.length; o += 8) fn(records.readUInt16LE(o), records.readUInt16LE(o + 2), records.readUInt32LE(o + 4));
}

/** The records of a `twccSent` event as objects (tests, diagnostics). */
export function twccSentPackets(records: Buffer): TwccSent[] {
  const out: TwccSent[] = [];
  forEachTwccSent(records, (seq, size, atUs) => out.push({ seq, size, atUs }));
  return out;
}
