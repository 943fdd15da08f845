/**
 * The {@link TransportFactory} on libdatachannel (through node-datachannel): raw RTP/RTCP per
 * media section, in and out, over DTLS-SRTP (RFC 5764), and SCTP data channels (RFC 8831).
 * The only module that imports the native stack. Every native callback is guarded: an exception
 * escaping one would abort the process.
 */
import ndc from 'node-datachannel';
import type { DataChannel, IceServer, PeerConnection, RtcConfig, Track } from 'node-datachannel';
import type { Outcome } from '../types/outcome.ts';
import type { SfuLog } from '../types/log.ts';
import { toIceServers, rewriteHostCandidate } from './ice.ts';
import type {
  DataEndpoint,
  PeerTransport,
  ReceiveTrack,
  SendTrack,
  SendTrackSpec,
  TransportEvents,
  TransportFactory,
  TransportSettings,
  TransportState,
} from './types.ts';

const DESCRIPTION_TIMEOUT_MS = 5000;
const fail = (error: string): Outcome<never> => ({ ok: false, error });
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

let loggerReady = false;

/**
 * Every native wrapper stays referenced until the stack reports it closed. node-datachannel
 * keeps raw pointers to live wrappers for its global cleanup; a wrapper collected before it
 * closed leaves a dangling pointer there, and `cleanup()` at shutdown would crash on it.
 */
const live = new Set<object>();
const hold = <T extends object>(o: T): T => (live.add(o), o);
const release = (o: object): void => void setImmediate(() => live.delete(o));

/** On a track's close: drop its callbacks too (the binding's own cleanup leaves them referenced). */
function onTrackClosed(t: Track): void {
  try {
    t.close();
  } catch {
    // already released
  }
  release(t);
}

/** Builds the transport factory for `[webrtc]` settings. */
export function nodeDataChannelFactory(settings: TransportSettings, log: SfuLog): TransportFactory {
  if (!loggerReady) {
    loggerReady = true;
    ndc.initLogger('Error', (level, msg) => log.debug('sfu.webrtc.native', { level, msg }));
  }
  const config: RtcConfig = {
    iceServers: toIceServers(settings.iceServers) as (string | IceServer)[],
    disableAutoNegotiation: true,
    // Tracks get added after a data-channel-only first negotiation; SRTP must exist from the start.
    forceMediaTransport: true,
  };
  if (settings.bindAddress) config.bindAddress = settings.bindAddress;
  if (settings.singlePort !== undefined) {
    config.enableIceUdpMux = true;
    config.portRangeBegin = settings.singlePort;
    config.portRangeEnd = settings.singlePort;
  } else if (settings.portRange) {
    config.portRangeBegin = settings.portRange[0];
    config.portRangeEnd = settings.portRange[1];
  }
  return { create: (name) => new NdcPeer(name, config, settings.nat1to1, log) };
}

function guard(log: SfuLog, where: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    log.error('sfu.webrtc.callback_failed', { where, error: message(err) });
  }
}

class NdcPeer implements PeerTransport {
  readonly events: TransportEvents = {};
  readonly #pc: PeerConnection;
  readonly #log: SfuLog;
  readonly #nat: readonly string[];
  #closed = false;
  #pending: { type: string; resolve: (o: Outcome<string>) => void; timer: NodeJS.Timeout } | undefined;

  constructor(name: string, config: RtcConfig, nat: readonly string[], log: SfuLog) {
    this.#log = log;
    this.#nat = nat;
    this.#pc = hold(new ndc.PeerConnection(name, config));
    const pc = this.#pc;
    pc.onLocalDescription((sdp, type) => guard(log, 'description', () => this.#onDescription(sdp, type)));
    pc.onLocalCandidate((cand, mid) =>
      guard(log, 'candidate', () => {
        if (this.#closed) return;
        const c = cand.startsWith('a=') ? cand.slice(2) : cand;
        for (const out of rewriteHostCandidate(c, this.#nat)) this.events.onCandidate?.({ candidate: out, mid });
      }),
    );
    pc.onStateChange((s) =>
      guard(log, 'state', () => {
        if (s === 'closed') release(pc);
        if (!this.#closed) this.events.onState?.(s as TransportState);
      }),
    );
    pc.onTrack((t) => guard(log, 'track', () => !this.#closed && this.events.onTrack?.(new NdcReceiveTrack(t, log))));
    pc.onDataChannel((d) => guard(log, 'datachannel', () => !this.#closed && this.events.onDataChannel?.(new NdcData(d, log))));
  }

  #onDescription(sdp: string, type: string): void {
    const p = this.#pending;
    if (!p || p.type !== type.toLowerCase()) return;
    this.#pending = undefined;
    clearTimeout(p.timer);
    p.resolve({ ok: true, value: sdp });
  }

  #describe(type: 'offer' | 'answer'): Promise<Outcome<string>> {
    if (this.#closed) return Promise.resolve(fail('connection closed'));
    if (this.#pending) return Promise.resolve(fail('a description is already being created'));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending = undefined;
        resolve(fail(`no local ${type} within ${DESCRIPTION_TIMEOUT_MS} ms`));
      }, DESCRIPTION_TIMEOUT_MS);
      this.#pending = { type, resolve, timer };
      try {
        this.#pc.setLocalDescription(type);
      } catch (err) {
        clearTimeout(timer);
        this.#pending = undefined;
        resolve(fail(`error creating ${type}: ${message(err)}`));
      }
    });
  }

  setRemoteDescription(sdp: string, type: 'offer' | 'answer'): Outcome<void> {
    if (this.#closed) return fail('connection closed');
    try {
      this.#pc.setRemoteDescription(sdp, type);
      return { ok: true, value: undefined };
    } catch (err) {
      return fail(`setting remote description: ${message(err)}`);
    }
  }

  createAnswer(): Promise<Outcome<string>> {
    return this.#describe('answer');
  }

  createOffer(): Promise<Outcome<string>> {
    return this.#describe('offer');
  }

  addRemoteCandidate(candidate: string, mid: string | null | undefined): Outcome<void> {
    if (this.#closed) return fail('connection closed');
    if (candidate.trim() === '') return { ok: true, value: undefined }; // end-of-candidates
    try {
      this.#pc.addRemoteCandidate(candidate, mid ?? '');
      return { ok: true, value: undefined };
    } catch (err) {
      return fail(`adding ICE candidate: ${message(err)}`);
    }
  }

  signalingState(): string {
    try {
      return this.#closed ? 'closed' : this.#pc.signalingState();
    } catch {
      return 'closed';
    }
  }

  addSendTrack(spec: SendTrackSpec): Outcome<SendTrack> {
    if (this.#closed) return fail('connection closed');
    try {
      const c = spec.codec;
      let media;
      if (c.kind === 'audio') {
        const a = new ndc.Audio(spec.mid, 'SendOnly');
        // The native binding rejects an explicit undefined profile.
        if (c.fmtp === undefined) a.addAudioCodec(c.pt, `${c.name}/${c.clockRate}/${c.channels ?? 1}`);
        else a.addAudioCodec(c.pt, `${c.name}/${c.clockRate}/${c.channels ?? 1}`, c.fmtp);
        media = a;
      } else {
        const v = new ndc.Video(spec.mid, 'SendOnly');
        if (c.fmtp === undefined) v.addVideoCodec(c.pt, c.name.toUpperCase());
        else v.addVideoCodec(c.pt, c.name.toUpperCase(), c.fmtp);
        for (const fb of c.rtcpFb) if (!['nack', 'nack pli', 'goog-remb'].includes(fb)) v.parseSdpLine(`a=rtcp-fb:${c.pt} ${fb}`);
        media = v;
      }
      for (const e of spec.extmaps) media.parseSdpLine(`a=extmap:${e.id} ${e.uri}`);
      media.addSSRC(spec.ssrc, spec.cname, spec.streamId, spec.trackId);
      return { ok: true, value: new NdcSendTrack(spec.mid, this.#pc.addTrack(media), this.#log) };
    } catch (err) {
      return fail(`adding a track: ${message(err)}`);
    }
  }

  createDataChannel(label: string): Outcome<DataEndpoint> {
    if (this.#closed) return fail('connection closed');
    try {
      return { ok: true, value: new NdcData(this.#pc.createDataChannel(label), this.#log) };
    } catch (err) {
      return fail(`creating data channel ${label}: ${message(err)}`);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pending) {
      clearTimeout(this.#pending.timer);
      this.#pending.resolve(fail('connection closed'));
      this.#pending = undefined;
    }
    guard(this.#log, 'close', () => this.#pc.close());
  }
}

class NdcReceiveTrack implements ReceiveTrack {
  readonly mid: string;
  readonly kind: 'audio' | 'video';
  onPacket: ((packet: Buffer) => void) | undefined;
  readonly #t: Track;

  constructor(t: Track, log: SfuLog) {
    this.#t = hold(t);
    this.mid = t.mid();
    this.kind = t.type() === 'audio' ? 'audio' : 'video';
    t.onMessage((m) => guard(log, 'rtp', () => this.onPacket?.(m)));
    t.onClosed(() => onTrackClosed(t));
  }

  sendRtcp(packet: Uint8Array): void {
    try {
      if (this.#t.isOpen()) this.#t.sendMessageBinary(asBuffer(packet));
    } catch {
      // The track closed between the check and the send; RTCP is best effort.
    }
  }

  close(): void {
    try {
      this.#t.close();
    } catch {
      // already closed
    }
  }
}

class NdcSendTrack implements SendTrack {
  readonly mid: string;
  onRtcp: ((packet: Buffer) => void) | undefined;
  onOpen: (() => void) | undefined;
  readonly #t: Track;
  #closed = false;
  /** cached from the open/closed events: the forwarding path asks once per packet */
  #open = false;

  constructor(mid: string, t: Track, log: SfuLog) {
    this.mid = mid;
    this.#t = hold(t);
    t.onMessage((m) => guard(log, 'rtcp', () => this.onRtcp?.(m)));
    t.onOpen(() => {
      this.#open = true;
      guard(log, 'track-open', () => this.onOpen?.());
    });
    t.onClosed(() => {
      this.#open = false;
      onTrackClosed(t);
    });
  }

  isOpen(): boolean {
    return this.#open && !this.#closed;
  }

  sendRtp(packet: Uint8Array): boolean {
    if (this.#closed) return false;
    try {
      return this.#t.sendMessageBinary(asBuffer(packet));
    } catch {
      return false;
    }
  }

  sendRtcp(packet: Uint8Array): void {
    this.sendRtp(packet);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#t.close();
    } catch {
      // already closed
    }
  }
}

class NdcData implements DataEndpoint {
  readonly label: string;
  onOpen: (() => void) | undefined;
  onMessage: ((data: string | Buffer) => void) | undefined;
  onClose: (() => void) | undefined;
  readonly #d: DataChannel;

  constructor(d: DataChannel, log: SfuLog) {
    this.#d = hold(d);
    this.label = d.getLabel();
    d.onOpen(() => guard(log, 'dc-open', () => this.onOpen?.()));
    d.onClosed(() => {
      release(d);
      guard(log, 'dc-closed', () => this.onClose?.());
    });
    d.onMessage((m) =>
      guard(log, 'dc-message', () => {
        if (typeof m === 'string' || Buffer.isBuffer(m)) this.onMessage?.(m);
        else this.onMessage?.(Buffer.from(m));
      }),
    );
  }

  isOpen(): boolean {
    try {
      return this.#d.isOpen();
    } catch {
      return false;
    }
  }

  send(data: string | Uint8Array): boolean {
    try {
      return typeof data === 'string' ? this.#d.sendMessage(data) : this.#d.sendMessageBinary(asBuffer(data));
    } catch {
      return false;
    }
  }

  close(): void {
    try {
      this.#d.close();
    } catch {
      // already closed
    }
  }
}

/** Releases the native stack's threads so the process can exit (call once, at shutdown). */
export function shutdownWebrtc(): void {
  ndc.cleanup();
  live.clear();
}
