/**
 * SCTP chunks (RFC 9260 §3.3, RFC 3758 §3.2 FORWARD-TSN, RFC 6525 §3.1 RE-CONFIG): typed
 * values and a pure codec. Decoding validates lengths and flags strictly and returns an error
 * value; it never throws and never reads past the buffer.
 */
import {
  type Decoded,
  type InitParams,
  type ReconfigParam,
  ParamType,
  decodeInitParams,
  decodeReconfigParams,
  encodeInitParams,
  encodeReconfigParams,
  joinParams,
  splitParams,
} from './params.ts';

export type { Decoded } from './params.ts';

/** Chunk type numbers (RFC 9260 §3.2, RFC 6525, RFC 3758). */
export const ChunkType = {
  data: 0,
  init: 1,
  initAck: 2,
  sack: 3,
  heartbeat: 4,
  heartbeatAck: 5,
  abort: 6,
  shutdown: 7,
  shutdownAck: 8,
  error: 9,
  cookieEcho: 10,
  cookieAck: 11,
  shutdownComplete: 14,
  reconfig: 0x82,
  forwardTsn: 0xc0,
} as const;

/** DATA (RFC 9260 §3.3.1). */
export interface DataChunk {
  type: 'data';
  unordered: boolean;
  beginning: boolean;
  ending: boolean;
  /** I bit: SACK this chunk immediately (RFC 9260 §3.3.1). */
  immediate: boolean;
  tsn: number;
  streamId: number;
  ssn: number;
  ppid: number;
  userData: Uint8Array;
}

/** INIT and INIT-ACK (RFC 9260 §3.3.2–3.3.3). */
export interface InitChunk {
  type: 'init' | 'init-ack';
  initiateTag: number;
  arwnd: number;
  outboundStreams: number;
  inboundStreams: number;
  initialTsn: number;
  params: InitParams;
}

/** A gap ack block as offsets from the cumulative TSN ack (RFC 9260 §3.3.4). */
export interface GapBlock {
  start: number;
  end: number;
}

export interface SackChunk {
  type: 'sack';
  cumulativeTsnAck: number;
  arwnd: number;
  gapBlocks: GapBlock[];
  duplicateTsns: number[];
}

/** One error cause (RFC 9260 §3.3.10). */
export interface ErrorCause {
  code: number;
  info: Uint8Array;
}

export type Chunk =
  | DataChunk
  | InitChunk
  | SackChunk
  | { type: 'heartbeat' | 'heartbeat-ack'; info: Uint8Array }
  | { type: 'abort'; reflected: boolean; causes: ErrorCause[] }
  | { type: 'error'; causes: ErrorCause[] }
  | { type: 'shutdown'; cumulativeTsnAck: number }
  | { type: 'shutdown-ack' }
  | { type: 'shutdown-complete'; reflected: boolean }
  | { type: 'cookie-echo'; cookie: Uint8Array }
  | { type: 'cookie-ack' }
  | { type: 'forward-tsn'; newCumulativeTsn: number; streams: { streamId: number; ssn: number }[] }
  | { type: 'reconfig'; params: ReconfigParam[] }
  | { type: 'unknown'; chunkType: number; flags: number; value: Uint8Array };

const u32 = (b: Uint8Array, i: number): number => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const u16 = (b: Uint8Array, i: number): number => (b[i] << 8) | b[i + 1];
const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

function decodeCauses(v: Uint8Array): Decoded<ErrorCause[]> {
  const split = splitParams(v);
  if (!split.ok) return split;
  return { ok: true, value: split.value.map((p) => ({ code: p.type, info: p.value })) };
}

/** Decodes one chunk from its type, flags and value (the bytes after the 4-byte header). */
export function decodeChunkValue(type: number, flags: number, v: Uint8Array): Decoded<Chunk> {
  switch (type) {
    case ChunkType.data:
      if (v.length < 12) return fail('DATA too short');
      if (v.length === 12) return fail('DATA without user data');
      return {
        ok: true,
        value: {
          type: 'data',
          immediate: (flags & 8) !== 0,
          unordered: (flags & 4) !== 0,
          beginning: (flags & 2) !== 0,
          ending: (flags & 1) !== 0,
          tsn: u32(v, 0),
          streamId: u16(v, 4),
          ssn: u16(v, 6),
          ppid: u32(v, 8),
          userData: v.slice(12),
        },
      };
    case ChunkType.init:
    case ChunkType.initAck: {
      if (v.length < 16) return fail('INIT too short');
      const params = decodeInitParams(v.subarray(16));
      if (!params.ok) return params;
      const c: InitChunk = {
        type: type === ChunkType.init ? 'init' : 'init-ack',
        initiateTag: u32(v, 0),
        arwnd: u32(v, 4),
        outboundStreams: u16(v, 8),
        inboundStreams: u16(v, 10),
        initialTsn: u32(v, 12),
        params: params.value,
      };
      // RFC 9260 §3.3.2: a zero Initiate Tag or zero stream counts make the INIT invalid.
      if (c.initiateTag === 0 || c.outboundStreams === 0 || c.inboundStreams === 0) return fail('INIT with zero tag or streams');
      if (c.type === 'init-ack' && !c.params.stateCookie) return fail('INIT-ACK without state cookie');
      return { ok: true, value: c };
    }
    case ChunkType.sack: {
      if (v.length < 12) return fail('SACK too short');
      const gaps = u16(v, 8);
      const dups = u16(v, 10);
      if (v.length !== 12 + gaps * 4 + dups * 4) return fail('SACK length does not match its counts');
      const gapBlocks: GapBlock[] = [];
      for (let k = 0; k < gaps; k++) gapBlocks.push({ start: u16(v, 12 + k * 4), end: u16(v, 14 + k * 4) });
      const duplicateTsns: number[] = [];
      for (let k = 0; k < dups; k++) duplicateTsns.push(u32(v, 12 + gaps * 4 + k * 4));
      return { ok: true, value: { type: 'sack', cumulativeTsnAck: u32(v, 0), arwnd: u32(v, 4), gapBlocks, duplicateTsns } };
    }
    case ChunkType.heartbeat:
    case ChunkType.heartbeatAck: {
      const split = splitParams(v);
      if (!split.ok) return split;
      const info = split.value.find((p) => p.type === ParamType.heartbeatInfo);
      if (!info || split.value.length !== 1) return fail('HEARTBEAT without exactly one info parameter');
      return { ok: true, value: { type: type === ChunkType.heartbeat ? 'heartbeat' : 'heartbeat-ack', info: info.value } };
    }
    case ChunkType.abort:
    case ChunkType.error: {
      const causes = decodeCauses(v);
      if (!causes.ok) return causes;
      return { ok: true, value: type === ChunkType.abort ? { type: 'abort', reflected: (flags & 1) !== 0, causes: causes.value } : { type: 'error', causes: causes.value } };
    }
    case ChunkType.shutdown:
      if (v.length !== 4) return fail('SHUTDOWN length');
      return { ok: true, value: { type: 'shutdown', cumulativeTsnAck: u32(v, 0) } };
    case ChunkType.shutdownAck:
    case ChunkType.cookieAck:
      if (v.length !== 0) return fail('chunk without value has one');
      return { ok: true, value: { type: type === ChunkType.shutdownAck ? 'shutdown-ack' : 'cookie-ack' } };
    case ChunkType.shutdownComplete:
      if (v.length !== 0) return fail('SHUTDOWN-COMPLETE length');
      return { ok: true, value: { type: 'shutdown-complete', reflected: (flags & 1) !== 0 } };
    case ChunkType.cookieEcho:
      if (v.length === 0) return fail('empty COOKIE-ECHO');
      return { ok: true, value: { type: 'cookie-echo', cookie: v.slice() } };
    case ChunkType.forwardTsn: {
      if (v.length < 4 || v.length % 4 !== 0) return fail('FORWARD-TSN length');
      const streams: { streamId: number; ssn: number }[] = [];
      for (let i = 4; i < v.length; i += 4) streams.push({ streamId: u16(v, i), ssn: u16(v, i + 2) });
      return { ok: true, value: { type: 'forward-tsn', newCumulativeTsn: u32(v, 0), streams } };
    }
    case ChunkType.reconfig: {
      const params = decodeReconfigParams(v);
      if (!params.ok) return params;
      return { ok: true, value: { type: 'reconfig', params: params.value } };
    }
    default:
      return { ok: true, value: { type: 'unknown', chunkType: type, flags, value: v.slice() } };
  }
}

function header(type: number, flags: number, value: Uint8Array): Uint8Array {
  const len = 4 + value.length;
  const out = new Uint8Array((len + 3) & ~3);
  out[0] = type;
  out[1] = flags;
  out[2] = len >> 8;
  out[3] = len & 0xff;
  out.set(value, 4);
  return out;
}

function fixed(values: readonly [number, 2 | 4][]): Uint8Array {
  const out = new Uint8Array(values.reduce((s, [, n]) => s + n, 0));
  const dv = new DataView(out.buffer);
  let i = 0;
  for (const [x, n] of values) {
    if (n === 4) dv.setUint32(i, x >>> 0);
    else dv.setUint16(i, x & 0xffff);
    i += n;
  }
  return out;
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

const causesBytes = (causes: readonly ErrorCause[]): Uint8Array => joinParams(causes.map((c) => ({ type: c.code, value: c.info })));

/** Encodes one chunk, padded to a multiple of four bytes (RFC 9260 §3.2). */
export function encodeChunk(c: Chunk): Uint8Array {
  switch (c.type) {
    case 'data':
      return encodeData(c);
    case 'init':
    case 'init-ack': {
      const head = fixed([[c.initiateTag, 4], [c.arwnd, 4], [c.outboundStreams, 2], [c.inboundStreams, 2], [c.initialTsn, 4]]);
      return header(c.type === 'init' ? ChunkType.init : ChunkType.initAck, 0, concat(head, encodeInitParams(c.params)));
    }
    case 'sack': {
      const head = fixed([[c.cumulativeTsnAck, 4], [c.arwnd, 4], [c.gapBlocks.length, 2], [c.duplicateTsns.length, 2]]);
      const gaps = fixed(c.gapBlocks.flatMap((g): [number, 2][] => [[g.start, 2], [g.end, 2]]));
      const dups = fixed(c.duplicateTsns.map((t): [number, 4] => [t, 4]));
      return header(ChunkType.sack, 0, concat(concat(head, gaps), dups));
    }
    case 'heartbeat':
    case 'heartbeat-ack':
      return header(c.type === 'heartbeat' ? ChunkType.heartbeat : ChunkType.heartbeatAck, 0, joinParams([{ type: ParamType.heartbeatInfo, value: c.info }]));
    case 'abort':
      return header(ChunkType.abort, c.reflected ? 1 : 0, causesBytes(c.causes));
    case 'error':
      return header(ChunkType.error, 0, causesBytes(c.causes));
    case 'shutdown':
      return header(ChunkType.shutdown, 0, fixed([[c.cumulativeTsnAck, 4]]));
    case 'shutdown-ack':
      return header(ChunkType.shutdownAck, 0, new Uint8Array(0));
    case 'shutdown-complete':
      return header(ChunkType.shutdownComplete, c.reflected ? 1 : 0, new Uint8Array(0));
    case 'cookie-echo':
      return header(ChunkType.cookieEcho, 0, c.cookie);
    case 'cookie-ack':
      return header(ChunkType.cookieAck, 0, new Uint8Array(0));
    case 'forward-tsn':
      return header(ChunkType.forwardTsn, 0, fixed([[c.newCumulativeTsn, 4], ...c.streams.flatMap((s): [number, 2][] => [[s.streamId, 2], [s.ssn, 2]])]));
    case 'reconfig':
      return header(ChunkType.reconfig, 0, encodeReconfigParams(c.params));
    case 'unknown':
      return header(c.chunkType, c.flags, c.value);
  }
}

/** DATA written in one pass: it is the chunk on the hot path. */
function encodeData(c: DataChunk): Uint8Array {
  const len = 16 + c.userData.length;
  const out = new Uint8Array((len + 3) & ~3);
  const dv = new DataView(out.buffer);
  dv.setUint8(0, ChunkType.data);
  dv.setUint8(1, (c.immediate ? 8 : 0) | (c.unordered ? 4 : 0) | (c.beginning ? 2 : 0) | (c.ending ? 1 : 0));
  dv.setUint16(2, len);
  dv.setUint32(4, c.tsn >>> 0);
  dv.setUint16(8, c.streamId);
  dv.setUint16(10, c.ssn);
  dv.setUint32(12, c.ppid >>> 0);
  out.set(c.userData, 16);
  return out;
}

/** Encoded size of a DATA chunk carrying `n` bytes, padding included. */
export const dataChunkSize = (n: number): number => (16 + n + 3) & ~3;
