/**
 * What the native media path is built from: its options from `[webrtc]` and `[router]`, and the
 * translations of what SDP negotiated into the router's specs (router.h) — codecs, simulcast
 * layers, extension ids, down-tracks — with the host candidates and the certificate fingerprint
 * it announces. Pure.
 */
import { networkInterfaces } from 'node:os';
import type { SfuConfig } from '../config-types.ts';
import { layerOfRid } from '../media/simulcast.ts';
import type { SfuLog } from '../types/log.ts';
import type { NativeDownSpec } from './media-control.ts';
import { RouterCodec, type RouterConnSpec, type RouterDownSpec } from './router-spec.ts';
import type { AcceptedMedia } from './sdp-answer.ts';
import type { ExtensionIds } from './sdp-extensions.ts';
import type { DtlsFingerprint, HostCandidate } from './sdp-lines.ts';

/** How the native media path listens and what it announces. */
export interface NativeMediaOptions {
  /** the address the worker's socket binds (default 0.0.0.0) */
  readonly bindAddress: string | undefined;
  /** the UDP port (0: any) */
  readonly port: number;
  /** `[webrtc.candidates] nat1to1`: addresses announced instead of the local ones */
  readonly nat1to1: readonly string[];
  readonly timeouts: { readonly disconnected: number; readonly failed: number };
  readonly maxPacketTrack: number;
  /** REMB cap to publishers, bit/s */
  readonly maxBitrate: number;
  readonly audioLevelThreshold: number;
  readonly now: () => number;
  readonly log: SfuLog;
}

/** The options `[webrtc]` and `[router]` give: `singleport`, else the first port of `portrange`, else any. */
export function nativeMediaOptions(config: SfuConfig, log: SfuLog): NativeMediaOptions {
  const w = config.webrtc;
  return {
    bindAddress: w.bindAddress,
    port: w.singlePort ?? w.portRange?.[0] ?? 0,
    nat1to1: w.nat1to1,
    timeouts: w.timeouts,
    maxPacketTrack: config.router.maxPacketTrack,
    maxBitrate: config.router.maxBandwidth * 1000,
    audioLevelThreshold: config.router.audioLevelThreshold,
    now: () => performance.now(),
    log,
  };
}



export function codecOf(name: string): number {
  switch (name.toLowerCase()) {
    case 'opus':
      return RouterCodec.opus;
    case 'vp8':
      return RouterCodec.vp8;
    case 'vp9':
      return RouterCodec.vp9;
    case 'h264':
      return RouterCodec.h264;
    default:
      return RouterCodec.other;
  }
}

/** Host candidates: the announced addresses, or every non-internal IPv4 address (loopback when bound there). */
export function hostCandidates(bind: string | undefined, port: number, nat1to1: readonly string[]): HostCandidate[] {
  if (nat1to1.length > 0) return nat1to1.map((address) => ({ address, port }));
  if (bind !== undefined && bind !== '0.0.0.0' && bind !== '::') return [{ address: bind, port }];
  const out: HostCandidate[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.push({ address: a.address, port });
  }
  return out.length > 0 ? out : [{ address: '127.0.0.1', port }];
}

/**
 * The router numbers layers by their place in `rids`; rooms number them as ion-sfu does
 * (`media/simulcast.ts`: q = 0, h = 1, f = 2), whatever order the offer lists them in
 * (ion-sdk-js offers f, h, q). RIDs outside that scheme keep the offer's order.
 */
export function ridsByLayer(rids: readonly string[]): string[] {
  if (rids.length <= 1) return [...rids];
  const slots = ['', '', ''];
  for (const r of rids) {
    const l = layerOfRid(r);
    if (slots[l] !== '') return [...rids];
    slots[l] = r;
  }
  while (slots.length > 0 && slots[slots.length - 1] === '') slots.pop();
  return slots;
}

/**
 * The header extension ids a publisher connection's router reads (0: none). A BUNDLE group has
 * one id space (RFC 8843 §9.2), but not every section carries every extension — Chromium's audio
 * sections have no RID (RFC 8852 §3.3) — so each id comes from the first section that has it,
 * the audio level from an audio section.
 */
export function connExtensions(media: readonly AcceptedMedia[]): Pick<RouterConnSpec, 'extMid' | 'extRid' | 'extAudioLevel' | 'extAbsSendTime' | 'extTransportCc'> {
  const id = (k: keyof ExtensionIds, kind?: 'audio'): number => media.find((m) => (kind === undefined || m.kind === kind) && m.extensionIds[k] !== undefined)?.extensionIds[k] ?? 0;
  return { extMid: id('mid'), extRid: id('rid'), extAudioLevel: id('audioLevel', 'audio'), extAbsSendTime: id('absSendTime'), extTransportCc: id('transportCc') };
}

/** A down-track's spec as the router takes it. */
export function routerDown(s: NativeDownSpec): RouterDownSpec {
  return {
    conn: s.conn,
    up: s.up,
    ssrc: s.ssrc,
    ptOfPt: Object.fromEntries(s.payloadTypes),
    extOfExt: Object.fromEntries(s.extensions),
    extTransportCc: s.transportCcId,
    firstSeq: s.firstSeq,
    firstTs: s.firstTimestamp,
    history: s.history,
    cname: s.cname.slice(0, 63),
  };
}

export function parseFingerprint(text: string): DtlsFingerprint {
  const i = text.indexOf(' ');
  return { algorithm: text.slice(0, i), value: text.slice(i + 1) };
}
