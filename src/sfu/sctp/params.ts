/**
 * Parameters inside INIT / INIT-ACK (RFC 9260 §3.3.2–3.3.3, RFC 3758 §3.1, RFC 5061 §4.2.7)
 * and RE-CONFIG (RFC 6525 §4): typed values and their pure codec. Decoding returns an error
 * value, never throws, never reads past the buffer.
 */

/** Outcome of decoding untrusted bytes. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

export const ParamType = {
  heartbeatInfo: 1,
  stateCookie: 7,
  supportedExtensions: 0x8008,
  forwardTsnSupported: 0xc000,
  outgoingSsnReset: 13,
  incomingSsnReset: 14,
  ssnTsnReset: 15,
  reconfigResponse: 16,
  addOutgoingStreams: 17,
  addIncomingStreams: 18,
} as const;

/** A parameter this code does not interpret, kept as it came. */
export interface RawParam {
  type: number;
  value: Uint8Array;
}

/** The optional parameters of INIT and INIT-ACK that matter here. */
export interface InitParams {
  /** State Cookie (INIT-ACK only, RFC 9260 §3.3.3.1). */
  stateCookie?: Uint8Array;
  /** Forward-TSN-Supported (RFC 3758 §3.1). */
  forwardTsnSupported: boolean;
  /** Chunk types listed in Supported Extensions (RFC 5061 §4.2.7). */
  supportedExtensions?: number[];
  /** Every other parameter (addresses, Cookie Preservative, ...), in order. */
  other: RawParam[];
}

/** RE-CONFIG parameters (RFC 6525 §4.1–4.6). */
export type ReconfigParam =
  | { kind: 'outgoing-reset'; requestSeq: number; responseSeq: number; lastTsn: number; streams: number[] }
  | { kind: 'incoming-reset'; requestSeq: number; streams: number[] }
  | { kind: 'ssn-tsn-reset'; requestSeq: number }
  | { kind: 'response'; responseSeq: number; result: number; senderNextTsn?: number; receiverNextTsn?: number }
  | { kind: 'add-outgoing-streams'; requestSeq: number; count: number }
  | { kind: 'add-incoming-streams'; requestSeq: number; count: number }
  | { kind: 'unknown'; type: number; value: Uint8Array };

/** Re-configuration Response results (RFC 6525 §4.4). */
export const ReconfigResult = {
  successNothingToDo: 0,
  successPerformed: 1,
  denied: 2,
  errorWrongSsn: 3,
  errorRequestAlreadyInProgress: 4,
  errorBadSequenceNumber: 5,
  inProgress: 6,
} as const;

const pad4 = (n: number): number => (n + 3) & ~3;

/** Splits a TLV list; `strict` rejects trailing garbage that is not a whole parameter. */
export function splitParams(bytes: Uint8Array): Decoded<RawParam[]> {
  const out: RawParam[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (bytes.length - i < 4) return { ok: false, reason: 'truncated parameter header' };
    const type = (bytes[i] << 8) | bytes[i + 1];
    const len = (bytes[i + 2] << 8) | bytes[i + 3];
    if (len < 4 || i + len > bytes.length) return { ok: false, reason: `parameter ${type} length ${len}` };
    out.push({ type, value: bytes.slice(i + 4, i + len) });
    i += pad4(len);
  }
  return { ok: true, value: out };
}

/** Encodes a TLV list, each parameter padded to four bytes. */
export function joinParams(params: readonly RawParam[]): Uint8Array {
  const size = params.reduce((s, p) => s + pad4(4 + p.value.length), 0);
  const out = new Uint8Array(size);
  let i = 0;
  for (const p of params) {
    const len = 4 + p.value.length;
    out[i] = p.type >> 8;
    out[i + 1] = p.type & 0xff;
    out[i + 2] = len >> 8;
    out[i + 3] = len & 0xff;
    out.set(p.value, i + 4);
    i += pad4(len);
  }
  return out;
}

export function decodeInitParams(bytes: Uint8Array): Decoded<InitParams> {
  const split = splitParams(bytes);
  if (!split.ok) return split;
  const params: InitParams = { forwardTsnSupported: false, other: [] };
  for (const p of split.value) {
    if (p.type === ParamType.stateCookie) {
      if (params.stateCookie) return { ok: false, reason: 'two state cookies' };
      params.stateCookie = p.value;
    } else if (p.type === ParamType.forwardTsnSupported) {
      if (p.value.length !== 0) return { ok: false, reason: 'forward-tsn-supported with a value' };
      params.forwardTsnSupported = true;
    } else if (p.type === ParamType.supportedExtensions) {
      params.supportedExtensions = [...(params.supportedExtensions ?? []), ...p.value];
    } else params.other.push(p);
  }
  return { ok: true, value: params };
}

export function encodeInitParams(p: InitParams): Uint8Array {
  const list: RawParam[] = [];
  if (p.stateCookie) list.push({ type: ParamType.stateCookie, value: p.stateCookie });
  if (p.forwardTsnSupported) list.push({ type: ParamType.forwardTsnSupported, value: new Uint8Array(0) });
  if (p.supportedExtensions) list.push({ type: ParamType.supportedExtensions, value: Uint8Array.from(p.supportedExtensions) });
  list.push(...p.other);
  return joinParams(list);
}

const u32 = (b: Uint8Array, i: number): number => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const u16 = (b: Uint8Array, i: number): number => (b[i] << 8) | b[i + 1];

function streamList(b: Uint8Array, from: number): Decoded<number[]> {
  if ((b.length - from) % 2 !== 0) return { ok: false, reason: 'odd stream list' };
  const out: number[] = [];
  for (let i = from; i < b.length; i += 2) out.push(u16(b, i));
  return { ok: true, value: out };
}

function decodeReconfigParam(p: RawParam): Decoded<ReconfigParam> {
  const v = p.value;
  const need = (n: number): string | undefined => (v.length < n ? `reconfig parameter ${p.type} too short` : undefined);
  switch (p.type) {
    case ParamType.outgoingSsnReset: {
      const bad = need(12);
      if (bad) return { ok: false, reason: bad };
      const s = streamList(v, 12);
      if (!s.ok) return s;
      return { ok: true, value: { kind: 'outgoing-reset', requestSeq: u32(v, 0), responseSeq: u32(v, 4), lastTsn: u32(v, 8), streams: s.value } };
    }
    case ParamType.incomingSsnReset: {
      const bad = need(4);
      if (bad) return { ok: false, reason: bad };
      const s = streamList(v, 4);
      if (!s.ok) return s;
      return { ok: true, value: { kind: 'incoming-reset', requestSeq: u32(v, 0), streams: s.value } };
    }
    case ParamType.ssnTsnReset:
      if (v.length !== 4) return { ok: false, reason: 'ssn/tsn reset length' };
      return { ok: true, value: { kind: 'ssn-tsn-reset', requestSeq: u32(v, 0) } };
    case ParamType.reconfigResponse: {
      if (v.length !== 8 && v.length !== 16) return { ok: false, reason: 'reconfig response length' };
      const r: ReconfigParam = { kind: 'response', responseSeq: u32(v, 0), result: u32(v, 4) };
      if (v.length === 16) {
        r.senderNextTsn = u32(v, 8);
        r.receiverNextTsn = u32(v, 12);
      }
      return { ok: true, value: r };
    }
    case ParamType.addOutgoingStreams:
    case ParamType.addIncomingStreams: {
      if (v.length !== 8) return { ok: false, reason: 'add streams length' };
      const kind = p.type === ParamType.addOutgoingStreams ? 'add-outgoing-streams' : 'add-incoming-streams';
      return { ok: true, value: { kind, requestSeq: u32(v, 0), count: u16(v, 4) } };
    }
    default:
      return { ok: true, value: { kind: 'unknown', type: p.type, value: v } };
  }
}

export function decodeReconfigParams(bytes: Uint8Array): Decoded<ReconfigParam[]> {
  const split = splitParams(bytes);
  if (!split.ok) return split;
  if (split.value.length === 0 || split.value.length > 2) return { ok: false, reason: 'RE-CONFIG carries one or two parameters' };
  const out: ReconfigParam[] = [];
  for (const raw of split.value) {
    const d = decodeReconfigParam(raw);
    if (!d.ok) return d;
    out.push(d.value);
  }
  return { ok: true, value: out };
}

function words(values: readonly number[], streams: readonly number[] = []): Uint8Array {
  const out = new Uint8Array(values.length * 4 + streams.length * 2);
  const dv = new DataView(out.buffer);
  values.forEach((x, k) => dv.setUint32(k * 4, x >>> 0));
  streams.forEach((s, k) => dv.setUint16(values.length * 4 + k * 2, s));
  return out;
}

function encodeReconfigParam(p: ReconfigParam): RawParam {
  switch (p.kind) {
    case 'outgoing-reset':
      return { type: ParamType.outgoingSsnReset, value: words([p.requestSeq, p.responseSeq, p.lastTsn], p.streams) };
    case 'incoming-reset':
      return { type: ParamType.incomingSsnReset, value: words([p.requestSeq], p.streams) };
    case 'ssn-tsn-reset':
      return { type: ParamType.ssnTsnReset, value: words([p.requestSeq]) };
    case 'response': {
      const tail = p.senderNextTsn !== undefined && p.receiverNextTsn !== undefined ? [p.senderNextTsn, p.receiverNextTsn] : [];
      return { type: ParamType.reconfigResponse, value: words([p.responseSeq, p.result, ...tail]) };
    }
    case 'add-outgoing-streams':
    case 'add-incoming-streams': {
      const type = p.kind === 'add-outgoing-streams' ? ParamType.addOutgoingStreams : ParamType.addIncomingStreams;
      return { type, value: words([p.requestSeq, (p.count << 16) >>> 0]) };
    }
    case 'unknown':
      return { type: p.type, value: p.value };
  }
}

export function encodeReconfigParams(params: readonly ReconfigParam[]): Uint8Array {
  return joinParams(params.map(encodeReconfigParam));
}
